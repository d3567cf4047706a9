import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';

/** The `:id` of a chat route, a UUID (400 otherwise). */
export const ChatId = () => Param('id', new ParseUUIDPipe());

/** Someone else's chat answers as none does. */
export const ApiChatNotFound = () =>
  ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such chat of the caller' });
