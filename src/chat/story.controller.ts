import { Body, Controller, Delete, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { MessageThrottle, RateLimit } from '../auth/rate-limit/rate-limits.js';
import { ApiAnonSession } from '../common/auth/anon-session.js';
import { Guest } from '../common/auth/access.decorators.js';
import { ApiEventStream } from '../common/http/api-event-stream.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { streamSse } from '../common/http/sse.js';
import { Caller, type ChatCaller } from './chat-caller.js';
import { ChatResponseDto } from './dto/chat.dto.js';
import { ChatMessageDto, MessagePageDto, REPLY_EVENTS, SendMessageDto } from './dto/message.dto.js';
import {
  BranchChatDto,
  EditMessageDto,
  ParseMessageIdPipe,
  RewindChatDto,
  SelectAlternativeDto,
} from './dto/story.dto.js';
import { StoryService } from './story.service.js';
import { ApiModerationRefusal, ChatId } from './chat-route.decorators.js';

const MessageId = () => Param('message_id', new ParseMessageIdPipe());

const ApiMessageId = () =>
  ApiParam({ name: 'message_id', type: Number, description: 'A message of the chat' });

const ApiMessageNotFound = () =>
  ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No such chat of the caller, or no such message in it',
  });

const REPLY_IN_FLIGHT = 'A reply is being written in the chat (the story cannot change meanwhile)';

/** The latest page of the active path, as GET /api/chats/{id}/messages answers it. */
const ApiStoryPage = () =>
  ApiOkResponse({
    type: MessagePageDto,
    description: 'The story as it now stands: the latest 50 messages of the active path',
  });

/**
 * Story control (see StoryService): routes under /api/chats/{id} that change a chat's message
 * tree. Registered after ChatController, whose `PUT :id/messages/last` must match before
 * `PUT :id/messages/:message_id`.
 */
@ApiTags('chats')
@ApiAnonSession('Guests (no token): their session id, a UUID; required for guest chats')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('chats')
export class StoryController {
  constructor(private readonly story: StoryService) {}

  @Post(':id/messages/:message_id/select')
  @Guest()
  @RateLimit('storyEdit')
  @HttpCode(200)
  @ApiOperation({
    summary: "Make an alternative active at a message's place (a swipe)",
    description:
      "Among the message's siblings (the replies regenerated for one message, a chat's " +
      'greetings), the `index`-th (`alternative_index`) becomes part of the story, with what ' +
      'was last active below it: the story continues where that branch left off. ' +
      '`message_count` becomes the new path’s length; a summary of messages no longer on the ' +
      'path is dropped (and rebuilt later). 400 when `index` is not below the count (the ' +
      'message says it).',
  })
  @ApiMessageId()
  @ApiStoryPage()
  @ApiMessageNotFound()
  @ApiConflictResponse({ type: ErrorResponseDto, description: REPLY_IN_FLIGHT })
  select(
    @ChatId() id: string,
    @MessageId() messageId: number,
    @Body() dto: SelectAlternativeDto,
    @Caller() caller: ChatCaller,
  ): Promise<MessagePageDto> {
    return this.story.select(id, messageId, dto.index, caller);
  }

  @Put(':id/messages/:message_id')
  @Guest()
  @RateLimit('storyEdit')
  @ApiOperation({
    summary: 'Edit a message in place (mine or a character’s)',
    description:
      'Sets `edited_at`; the next replies see the new text. A summary covering the message ' +
      'is dropped (and rebuilt later).',
  })
  @ApiMessageId()
  @ApiOkResponse({ type: ChatMessageDto })
  @ApiMessageNotFound()
  @ApiConflictResponse({ type: ErrorResponseDto, description: REPLY_IN_FLIGHT })
  @ApiModerationRefusal()
  edit(
    @ChatId() id: string,
    @MessageId() messageId: number,
    @Body() dto: EditMessageDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatMessageDto> {
    return this.story.edit(id, messageId, dto.content, caller);
  }

  @Post(':id/messages/:message_id/resend')
  @Guest()
  @MessageThrottle()
  @ApiOperation({
    summary: 'Edit one of my earlier messages and stream a new reply to it',
    description:
      'The message (mine, on the active path) stays, with what followed it, as an ' +
      'alternative branch; the new text becomes its sibling and the story goes on from it. ' +
      'Answers the stream of POST /api/chats/{id}/message (`token`… `done` or `error`, a ' +
      'group chat’s `end`), and counts as a message toward the daily limit (429).',
  })
  @ApiMessageId()
  @ApiEventStream('A stream of reply events', REPLY_EVENTS)
  @ApiMessageNotFound()
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Guest limit reached or guest chat disabled, or model not allowed',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      'A reply is being written; the message is not the user’s or not on the active path; ' +
      'none of a group chat’s characters is available',
  })
  @ApiModerationRefusal()
  async resend(
    @ChatId() id: string,
    @MessageId() messageId: number,
    @Body() dto: SendMessageDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    streamSse(res, await this.story.resend(id, messageId, dto, caller));
  }

  @Delete(':id/messages/:message_id')
  @Guest()
  @RateLimit('storyEdit')
  @ApiOperation({
    summary: 'Delete one message; what followed it moves up in its place',
    description:
      "Its replies (all its branches) follow the message's parent; if it ended the story, " +
      'its parent does now. A summary covering it is dropped (and rebuilt later).',
  })
  @ApiMessageId()
  @ApiStoryPage()
  @ApiMessageNotFound()
  @ApiConflictResponse({ type: ErrorResponseDto, description: REPLY_IN_FLIGHT })
  remove(
    @ChatId() id: string,
    @MessageId() messageId: number,
    @Caller() caller: ChatCaller,
  ): Promise<MessagePageDto> {
    return this.story.remove(id, messageId, caller);
  }

  @Post(':id/rewind')
  @Guest()
  @RateLimit('storyEdit')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Take the story back to one of its messages: everything after it is deleted',
    description:
      'The message must be on the active path; the next one and all below it (other branches ' +
      'included) are deleted, and the message ends the story. A summary covering any of them ' +
      'is dropped (and rebuilt later).',
  })
  @ApiStoryPage()
  @ApiMessageNotFound()
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: `${REPLY_IN_FLIGHT}, or the message is not on the active path`,
  })
  rewind(
    @ChatId() id: string,
    @Body() dto: RewindChatDto,
    @Caller() caller: ChatCaller,
  ): Promise<MessagePageDto> {
    return this.story.rewind(id, dto.message_id, caller);
  }

  @Post(':id/branch')
  @Guest()
  @RateLimit('guestChat', 'guestChatSession', 'chatBranch')
  @ApiOperation({
    summary: 'Branch the story into a new chat, up to one of its messages',
    description:
      'A new chat (same owner, characters, persona, language and settings; titled "… ' +
      '(branch)") whose messages are copies of the path from the first message to ' +
      '`message_id`; the summary comes along when it covers only those. The original is not ' +
      'changed, so this also works while a reply is being written in it. Guests: counted as ' +
      'opening a chat (429 with Retry-After beyond).',
  })
  @ApiCreatedResponse({ type: ChatResponseDto })
  @ApiMessageNotFound()
  branch(
    @ChatId() id: string,
    @Body() dto: BranchChatDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatResponseDto> {
    return this.story.branch(id, dto.message_id, caller);
  }
}
