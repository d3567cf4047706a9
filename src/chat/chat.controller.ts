/*
 * Longer than most files on purpose: the chat routes' OpenAPI documentation (every response and
 * error of the streamed routes) is most of it; the handlers themselves are one call each.
 */
import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Ip,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { MessageThrottle, RateLimit } from '../auth/rate-limit/rate-limits.js';
import { AnonSession, ApiAnonSession } from '../common/auth/anon-session.js';
import { AdminOnly, Authenticated, Guest } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ApiEventStream } from '../common/http/api-event-stream.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { streamSse } from '../common/http/sse.js';
import { Caller, type ChatCaller, OptionalCaller } from './chat-caller.js';
import { ChatService } from './chat.service.js';
import { ChatListQueryDto, ChatPageDto, ChatResponseDto, CreateChatDto } from './dto/chat.dto.js';
import {
  AnonLimitDto,
  GenerationOptionsDto,
  MessagePageDto,
  MessagesQueryDto,
  PersonaReplyResponseDto,
  REPLY_EVENTS,
  SendMessageDto,
  StopResponseDto,
} from './dto/message.dto.js';
import { IMPERSONATION_EVENTS } from './dto/impersonation.dto.js';
import { FollowStreamQueryDto, StreamTicketDto } from './dto/stream.dto.js';
import { ImpersonationService } from './impersonation.service.js';
import { PersonaReplyService } from './persona-reply.service.js';
import { ReplyService } from './reply.service.js';
import { StoryRounds } from './story-rounds.js';
import { resumePoint } from './streaming/reply-cursor.js';
import { ApiChatNotFound, ApiModerationRefusal, ChatId } from './chat-route.decorators.js';

/** The documentation shared by the routes that answer with a streamed reply. */
const ApiReplyStream = (summary: string) =>
  applyDecorators(
    ApiOperation({
      summary,
      description:
        'Answers `text/event-stream`: `data: {"type":"token","content":…,"character_id":…}` ' +
        'events as a reply is written, then one `done` (message_id, user_message_id, ' +
        'character_id, anon_messages_left for guests, dice_rolls/encounter_state in ' +
        'campaigns, stopped) or `error` event. In a group chat every available character ' +
        'answers in turn (tokens, then done, for each; an error ends the round) and the stream ' +
        'closes with `{"type":"end","user_message_id":…}` (null: nobody answered and the ' +
        'message was dropped, and it does not count toward the daily limit). Replies are ' +
        'saved even if the client disconnects; GET /api/chats/{id}/stream re-attaches. A reply ' +
        'moderation stops (a hard hit of the output scan) ends with an `error` event that ' +
        'names the category, and nothing of it is saved. 429 ' +
        'also when the daily message limit is reached (it resets at midnight UTC).',
    }),
    ApiEventStream('A stream of reply events', REPLY_EVENTS),
    ApiChatNotFound(),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: 'Guest limit reached or guest chat disabled, or model not allowed',
    }),
    ApiConflictResponse({
      type: ErrorResponseDto,
      description:
        'A reply is already being written, or none of a group chat’s characters is available',
    }),
  );

@ApiTags('chats')
@ApiAnonSession('Guests (no token): their session id, a UUID; required for guest chats')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('chats')
export class ChatController {
  constructor(
    private readonly chats: ChatService,
    private readonly replies: ReplyService,
    private readonly storyRounds: StoryRounds,
    private readonly personaReplies: PersonaReplyService,
    private readonly impersonation: ImpersonationService,
  ) {}

  // Declared before ':id' routes, so the path is never taken for a chat id.
  @Get('anon-limit')
  @Guest()
  @ApiOperation({ summary: "The guest message limit and what is left of this session's" })
  @ApiOkResponse({ type: AnonLimitDto })
  anonLimit(
    @AnonSession() session: string | undefined,
    @Ip() address: string,
  ): Promise<AnonLimitDto> {
    return this.chats.anonLimit(session, address);
  }

  @Post()
  @Guest()
  @RateLimit('guestChat', 'guestChatSession', 'chatCreate')
  @ApiOperation({
    summary: 'Open a chat with a character: the latest existing one (200) or a new one (201)',
    description:
      'With `character_ids` (1 to 3, signed-in users) a new group chat: the characters answer ' +
      'each message in turn, in that order. Guests: at most 10 a minute per guest session and ' +
      '30 a minute per address (429 with Retry-After beyond).',
  })
  @ApiOkResponse({ type: ChatResponseDto, description: 'The existing chat' })
  @ApiCreatedResponse({ type: ChatResponseDto, description: 'A new chat' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such character or persona' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Guest chat is disabled, or a guest asked for a group chat',
  })
  async create(
    @Body() dto: CreateChatDto,
    @Caller() caller: ChatCaller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ChatResponseDto> {
    const { chat, created } = await this.chats.create(dto, caller);
    res.status(created ? 201 : 200);
    return chat;
  }

  @Get()
  @Guest()
  @ApiOperation({ summary: 'My chats, latest activity first, each with its last message' })
  @ApiOkResponse({ type: ChatPageDto })
  list(@Query() query: ChatListQueryDto, @Caller() caller: ChatCaller): Promise<ChatPageDto> {
    return this.chats.list(query, caller);
  }

  @Get(':id')
  @Guest()
  @ApiOperation({ summary: 'One of my chats' })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiChatNotFound()
  get(@ChatId() id: string, @Caller() caller: ChatCaller): Promise<ChatResponseDto> {
    return this.chats.get(id, caller);
  }

  @Get(':id/messages')
  @Guest()
  @ApiOperation({ summary: 'Messages of a chat, a page at a time (cursor: before_id)' })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiChatNotFound()
  messages(
    @ChatId() id: string,
    @Query() query: MessagesQueryDto,
    @Caller() caller: ChatCaller,
  ): Promise<MessagePageDto> {
    return this.chats.messages(id, query, caller);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one of my chats with its messages' })
  @ApiNoContentResponse()
  @ApiChatNotFound()
  remove(@ChatId() id: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.chats.remove(id, user);
  }

  @Post(':id/message')
  @Guest()
  @MessageThrottle()
  @ApiReplyStream('Send a message and stream the reply')
  @ApiModerationRefusal()
  async send(
    @ChatId() id: string,
    @Body() dto: SendMessageDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    streamSse(res, await this.replies.send(id, dto, caller));
  }

  @Post(':id/regenerate')
  @Guest()
  @MessageThrottle()
  @ApiReplyStream('Replace the last reply with a new one (kept until the new one is saved)')
  async regenerate(
    @ChatId() id: string,
    @Body() dto: GenerationOptionsDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    streamSse(res, await this.storyRounds.regenerate(id, dto, caller));
  }

  @Put(':id/messages/last')
  @Guest()
  @MessageThrottle()
  @ApiReplyStream(
    'Edit my last message: a new one takes its place, its old reply kept as an alternative branch',
  )
  @ApiModerationRefusal()
  async editLast(
    @ChatId() id: string,
    @Body() dto: SendMessageDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    streamSse(res, await this.storyRounds.editLast(id, dto, caller));
  }

  @Post(':id/continue')
  @Guest()
  @MessageThrottle()
  // Above ApiReplyStream, so that this 409's description is the one kept.
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      "A reply is already being written; the story does not end with a character's message; " +
      'or its character is no longer in the chat',
  })
  @ApiReplyStream(
    'Continue the last reply: more of it, streamed, appended to it (done names that message)',
  )
  async continue(
    @ChatId() id: string,
    @Body() dto: GenerationOptionsDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    streamSse(res, await this.storyRounds.continue(id, dto, caller));
  }

  @Post(':id/impersonate')
  @Guest()
  @MessageThrottle()
  @ApiOperation({
    summary: 'Suggest my next line, written as my persona (streamed, not saved)',
    description:
      'Answers `text/event-stream`: `token` events, then `done` with the whole suggestion ' +
      '(no message id: nothing is saved) or `error`. Open from the tier the ' +
      '`impersonate_min_tier` setting names (default: signed-in users). Takes the same ' +
      'generation options as regenerate, over the chat settings; counts one message toward ' +
      'the daily limit, given back when the model writes nothing.',
  })
  @ApiEventStream('A stream of suggestion events', IMPERSONATION_EVENTS)
  @ApiChatNotFound()
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description:
      'Below impersonate_min_tier, guest chat disabled or the guest limit reached, or a model ' +
      'the tier may not use',
  })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Daily limit reached' })
  async impersonate(
    @ChatId() id: string,
    @Body() dto: GenerationOptionsDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    streamSse(res, await this.impersonation.suggest(id, dto, caller));
  }

  @Post(':id/generate-persona-reply')
  @AdminOnly()
  @MessageThrottle()
  @HttpCode(200)
  @ApiOperation({
    summary: "Ghostwrite the user's next message as their persona (admin; not saved)",
    description:
      'Not streamed. Takes the same generation options as regenerate; nothing is saved, but ' +
      'the call counts toward the daily message limit (given back if the model fails).',
  })
  @ApiOkResponse({ type: PersonaReplyResponseDto })
  @ApiChatNotFound()
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Daily limit reached' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The model failed' })
  generatePersonaReply(
    @ChatId() id: string,
    @Body() dto: GenerationOptionsDto,
    @CurrentUser() user: AuthUser,
  ): Promise<PersonaReplyResponseDto> {
    return this.personaReplies.write(id, dto, user);
  }

  @Post(':id/stream-ticket')
  @Guest()
  @ApiOperation({
    summary: 'A one-minute ticket to re-attach to this chat with EventSource (no headers)',
    description:
      'For GET /api/chats/{id}/stream?ticket=…: a browser EventSource cannot send ' +
      'Authorization or X-Anon-Session. The ticket opens this chat only, for its owner, for ' +
      'one minute; ask for a new one before each (re)connection.',
  })
  @ApiCreatedResponse({ type: StreamTicketDto })
  @ApiChatNotFound()
  streamTicket(@ChatId() id: string, @Caller() caller: ChatCaller): Promise<StreamTicketDto> {
    return this.replies.streamTicket(id, caller);
  }

  @Get(':id/stream')
  @Guest()
  @ApiOperation({
    summary: 'Re-attach to the reply being written (from any instance)',
    description:
      'Replays the round so far (a group chat: every reply of it), then follows it live ' +
      'like the send stream. 204 when no reply is being written. Every event carries an ' +
      '`id:`: the characters of reply text the client has once it has that event (in a ' +
      "group chat, plus one for each character's done/error before it). With " +
      '`Last-Event-ID` (sent by EventSource ' +
      'when it reconnects) or `last_event_id`, only the text after that point is sent. ' +
      'Authenticated as the other chat routes, or with `ticket` (POST ' +
      '/api/chats/{id}/stream-ticket) instead of headers, for EventSource.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event id (a character count)',
  })
  @ApiEventStream('A stream of reply events', REPLY_EVENTS)
  @ApiNoContentResponse({ description: 'No reply is being written' })
  @ApiChatNotFound()
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'The ticket is forged, expired or not a stream ticket',
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'The ticket is for another chat, or its guest session no longer owns the chat',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'The chat or the caller already has all the re-attached streams it may',
  })
  async follow(
    @ChatId() id: string,
    @Query() query: FollowStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @OptionalCaller() caller: ChatCaller | null,
    @Res() res: Response,
  ): Promise<void> {
    const after = resumePoint(lastEventId, query.last_event_id);
    const source = await this.replies.follow(id, { ticket: query.ticket, caller }, after);
    if (source) streamSse(res, source);
    else res.status(204).end();
  }

  @Post(':id/stop')
  @Guest()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop the reply being written; the part written so far is saved as stopped',
    description: 'In a group chat, the characters after the one speaking do not speak.',
  })
  @ApiOkResponse({ type: StopResponseDto })
  @ApiChatNotFound()
  async stop(@ChatId() id: string, @Caller() caller: ChatCaller): Promise<StopResponseDto> {
    const summary = await this.replies.stop(id, caller);
    return { stopped: summary?.stopped ?? false, message_id: summary?.message_id ?? null };
  }
}
