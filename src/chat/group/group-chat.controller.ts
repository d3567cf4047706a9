import { RateLimit } from '../../auth/rate-limit/rate-limits.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Ip,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { MessageThrottle } from '../../auth/rate-limit/rate-limits.js';
import { Authenticated } from '../../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../../common/auth/auth-user.js';
import { ApiEventStream } from '../../common/http/api-event-stream.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { streamSse } from '../../common/http/sse.js';
import { ChatService } from '../chat.service.js';
import { ChatListQueryDto } from '../dto/chat.dto.js';
import { MessagesQueryDto } from '../dto/message.dto.js';
import { ApiModerationRefusal } from '../chat-route.decorators.js';
import { ReplyService } from '../reply.service.js';
import {
  CreateGroupChatDto,
  GroupChatDetailDto,
  GroupChatPageDto,
  GroupChatResponseDto,
  groupEvents,
  GroupMessagePageDto,
  GROUP_REPLY_EVENTS,
  GroupStopResponseDto,
  SendGroupMessageDto,
  toGroupChatResponse,
  toGroupMessage,
} from './dto/group-chat.dto.js';

const GroupChatId = () => Param('id', new ParseUUIDPipe());

const ApiGroupChatNotFound = () =>
  ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such group chat of the caller' });

/** Messages GET /api/group-chats/{id} includes; older ones are paged through /messages. */
const RECENT_MESSAGES = 50;

/**
 * Spec: group_chat/router.py — one user and up to three characters in one scene. Deprecated
 * aliases of /api/chats (a group chat is a chat of kind `group`), kept with their old request
 * and response shapes; they serve group chats only.
 */
@ApiTags('group-chats')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('group-chats')
export class GroupChatController {
  constructor(
    private readonly chats: ChatService,
    private readonly replies: ReplyService,
  ) {}

  @Post()
  @Authenticated()
  @RateLimit('chatCreate')
  @ApiOperation({
    deprecated: true,
    summary: 'Start a group chat with 1 to 3 characters (they answer in the order given)',
  })
  @ApiCreatedResponse({ type: GroupChatResponseDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'A character does not exist or the caller may not see it',
  })
  async create(
    @Body() dto: CreateGroupChatDto,
    @CurrentUser() user: AuthUser,
  ): Promise<GroupChatResponseDto> {
    return toGroupChatResponse(await this.chats.createGroup(dto, dto.character_ids, user));
  }

  @Get()
  @Authenticated()
  @ApiOperation({
    deprecated: true,
    summary: 'My group chats, latest activity first',
  })
  @ApiOkResponse({ type: GroupChatPageDto })
  async list(
    @Query() query: ChatListQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<GroupChatPageDto> {
    const page = await this.chats.list(query, { user }, 'group');
    return { ...page, items: page.items.map(toGroupChatResponse) };
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    deprecated: true,
    summary: 'One of my group chats with its members and latest 50 messages',
    description: 'Older messages: GET /api/group-chats/{id}/messages with before_id.',
  })
  @ApiOkResponse({ type: GroupChatDetailDto })
  @ApiGroupChatNotFound()
  async get(@GroupChatId() id: string, @CurrentUser() user: AuthUser): Promise<GroupChatDetailDto> {
    const chat = await this.chats.get(id, { user }, 'group');
    const page = await this.chats.messages(id, { limit: RECENT_MESSAGES }, { user }, 'group');
    return {
      ...toGroupChatResponse(chat),
      messages: page.messages.map(toGroupMessage),
      has_more_messages: page.has_more,
    };
  }

  @Get(':id/messages')
  @Authenticated()
  @ApiOperation({
    deprecated: true,
    summary: 'Messages of a group chat, a page at a time (cursor: before_id)',
  })
  @ApiOkResponse({ type: GroupMessagePageDto })
  @ApiGroupChatNotFound()
  async messages(
    @GroupChatId() id: string,
    @Query() query: MessagesQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<GroupMessagePageDto> {
    const page = await this.chats.messages(id, query, { user }, 'group');
    return { messages: page.messages.map(toGroupMessage), has_more: page.has_more };
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({
    deprecated: true,
    summary: 'Delete one of my group chats with its messages',
  })
  @ApiNoContentResponse()
  @ApiGroupChatNotFound()
  remove(@GroupChatId() id: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.chats.remove(id, user, 'group');
  }

  @Post(':id/message')
  @Authenticated()
  @MessageThrottle()
  @ApiOperation({
    deprecated: true,
    summary: 'Send a message; every character answers in turn in one stream',
    description:
      'Answers `text/event-stream`. The message is saved first; then each available ' +
      'character, in member order, streams `data: {"type":"token","character_id":…,' +
      '"content":…}` events followed by `{"type":"done","character_id":…,"message_id":…}` ' +
      '(its reply is saved), and the stream closes with `{"type":"end","user_message_id":…}`. ' +
      'A failure sends `{"type":"error","character_id":…,"message":…}` and ends the round: ' +
      'replies already saved stay; when no character answered, the message is dropped ' +
      '(user_message_id null) and does not count toward the daily limit. Replies are saved ' +
      'even if the client disconnects. 429 also when the daily message limit is reached.',
  })
  @ApiEventStream('A stream of group reply events', GROUP_REPLY_EVENTS)
  @ApiGroupChatNotFound()
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The characters are still answering, or none of them is available any more',
  })
  @ApiModerationRefusal()
  async send(
    @GroupChatId() id: string,
    @Body() dto: SendGroupMessageDto,
    @CurrentUser() user: AuthUser,
    @Ip() address: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.chats.requireOwned(id, { user }, 'group');
    const caller = { user, address };
    streamSse(res, groupEvents(await this.replies.send(id, { content: dto.content }, caller)));
  }

  @Post(':id/stop')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({
    deprecated: true,
    summary: 'Stop the round being written (on any server)',
    description:
      'The character speaking keeps what it wrote so far (saved as stopped; its `done` event ' +
      'says `stopped: true`), the characters after it do not speak, and the stream ends with ' +
      '`end`. `stopped` is false when no round was running.',
  })
  @ApiOkResponse({ type: GroupStopResponseDto })
  @ApiGroupChatNotFound()
  async stop(
    @GroupChatId() id: string,
    @CurrentUser() user: AuthUser,
  ): Promise<GroupStopResponseDto> {
    await this.chats.requireOwned(id, { user }, 'group');
    return { stopped: (await this.replies.stop(id, { user })) !== null };
  }
}
