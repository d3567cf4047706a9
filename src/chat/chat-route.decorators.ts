import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';

/** The `:id` of a chat route, a UUID (400 otherwise). */
export const ChatId = () => Param('id', new ParseUUIDPipe());

/** Someone else's chat answers as none does. */
export const ApiChatNotFound = () =>
  ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such chat of the caller' });

/** A route taking text toward a model: moderation may refuse it (ChatModeration.screenInput). */
export const ApiModerationRefusal = () =>
  ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'Refused by moderation: `content: refused by moderation (<category>: <label>)`, e.g. ' +
      'minors_sexual; nothing is saved, sent to the model or counted toward the daily limit',
  });
