import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { SseSource } from '../../../common/http/sse.js';
import { LANGUAGES, type Language } from '../../../common/languages.js';
import { TextField } from '../../../common/validation/text-field.js';
import { type ChatMessageDto, MAX_MESSAGE_LENGTH } from '../../dto/message.dto.js';
import {
  ChatCharacterDto,
  type ChatResponseDto,
  MAX_CHAT_TITLE_LENGTH,
  MemberIds,
} from '../../dto/chat.dto.js';
import { MESSAGE_STATUSES, type MessageStatus } from '../../entities/message.entity.js';
import { GROUP_MAX_MEMBERS } from '../../storytelling/group-chat.js';
import type { ReplyEvent } from '../../streaming/reply-event.js';

/**
 * The shapes of the deprecated /api/group-chats routes, kept as they were so frontends written
 * against them do not break; the routes run on the one chat engine (/api/chats).
 */

export const MAX_GROUP_TITLE_LENGTH = MAX_CHAT_TITLE_LENGTH;

const GROUP_MESSAGE_ROLES = ['user', 'assistant'] as const;
type GroupMessageRole = (typeof GROUP_MESSAGE_ROLES)[number];

export class CreateGroupChatDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: GROUP_MAX_MEMBERS,
    uniqueItems: true,
    description: 'The characters, by id, in the order they answer each message',
  })
  @MemberIds()
  character_ids: string[];

  @ApiPropertyOptional({ maxLength: MAX_GROUP_TITLE_LENGTH })
  @TextField(MAX_GROUP_TITLE_LENGTH, { optional: true })
  title?: string;

  @ApiPropertyOptional({
    enum: LANGUAGES,
    description: "Language of the scene (default: the user's preferred language)",
  })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;
}

export class SendGroupMessageDto {
  @ApiProperty({ maxLength: MAX_MESSAGE_LENGTH })
  @TextField(MAX_MESSAGE_LENGTH, { multiline: true, minLength: 1 })
  content: string;
}

export class GroupChatResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ nullable: true, type: String })
  title: string | null;

  @ApiProperty({ enum: LANGUAGES })
  language: Language;

  @ApiProperty({ type: [ChatCharacterDto], description: 'In speaking order' })
  members: ChatCharacterDto[];

  @ApiProperty()
  message_count: number;

  @ApiProperty({ description: 'The characters are answering a message right now' })
  generating: boolean;

  @ApiProperty()
  created_at: string;

  @ApiProperty({ description: 'Last activity' })
  updated_at: string;
}

export class GroupChatPageDto {
  @ApiProperty({ type: [GroupChatResponseDto] })
  items: GroupChatResponseDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}

export class GroupMessageDto {
  @ApiProperty()
  id: number;

  @ApiProperty({ enum: GROUP_MESSAGE_ROLES })
  role: GroupMessageRole;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'assistant: the character who spoke',
  })
  character_id: string | null;

  @ApiProperty()
  content: string;

  @ApiProperty({
    enum: MESSAGE_STATUSES,
    description: '`stopped`: cut short (server shutdown); the part written until then',
  })
  status: MessageStatus;

  @ApiProperty({ nullable: true, type: String, description: '`provider/model`' })
  model_used: string | null;

  @ApiProperty({ nullable: true, type: Number })
  prompt_tokens: number | null;

  @ApiProperty({ nullable: true, type: Number })
  completion_tokens: number | null;

  @ApiProperty()
  created_at: string;
}

export class GroupMessagePageDto {
  @ApiProperty({ type: [GroupMessageDto], description: 'Oldest first' })
  messages: GroupMessageDto[];

  @ApiProperty({ description: 'Older messages exist: ask again with before_id' })
  has_more: boolean;
}

export class GroupChatDetailDto extends GroupChatResponseDto {
  @ApiProperty({ type: [GroupMessageDto], description: 'The latest messages, oldest first' })
  messages: GroupMessageDto[];

  @ApiProperty({
    description: 'Older messages exist: GET /api/group-chats/{id}/messages?before_id=…',
  })
  has_more_messages: boolean;
}

export class GroupStopResponseDto {
  @ApiProperty({
    description:
      'A round was being written and was stopped: the character speaking kept what it wrote',
  })
  stopped: boolean;
}

/** `data: {"type":"token",…}`: the next piece of one character's reply. */
export class GroupReplyTokenEventDto {
  @ApiProperty({ enum: ['token'] })
  type: 'token';

  @ApiProperty({ format: 'uuid', description: 'The character speaking' })
  character_id: string;

  @ApiProperty({ description: 'The next piece of that character’s reply' })
  content: string;
}

/** `data: {"type":"done",…}`: one character's reply is complete and saved. */
export class GroupReplyDoneEventDto {
  @ApiProperty({ enum: ['done'] })
  type: 'done';

  @ApiProperty({ format: 'uuid' })
  character_id: string;

  @ApiProperty({ description: 'The saved reply of that character' })
  message_id: number;

  @ApiPropertyOptional({
    description: 'Cut short by a server shutdown; the part so far was kept',
  })
  stopped?: boolean;
}

/** `data: {"type":"error",…}`: a character's reply failed, which ends the round. */
export class GroupReplyErrorEventDto {
  @ApiProperty({ enum: ['error'] })
  type: 'error';

  @ApiProperty({ format: 'uuid' })
  character_id: string;

  @ApiProperty({ description: 'What went wrong (details for admins only)' })
  message: string;
}

/** `data: {"type":"end",…}`: the last event of every round. */
export class GroupReplyEndEventDto {
  @ApiProperty({ enum: ['end'] })
  type: 'end';

  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The user's message; null when no character answered and it was dropped",
  })
  user_message_id: number | null;
}

/** The events of a group round's stream, by `type` (see groupEvents). */
export const GROUP_REPLY_EVENTS = {
  token: GroupReplyTokenEventDto,
  done: GroupReplyDoneEventDto,
  error: GroupReplyErrorEventDto,
  end: GroupReplyEndEventDto,
};

/** The deprecated group round events: the round's, in the shapes they had. */
export type GroupReplyEvent =
  | { type: 'token'; character_id: string; content: string }
  | { type: 'done'; character_id: string; message_id: number; stopped?: true }
  | { type: 'error'; character_id?: string; message: string }
  | { type: 'end'; user_message_id: number | null };

function toGroupEvent(event: ReplyEvent): GroupReplyEvent | null {
  switch (event.type) {
    case 'token':
      return { type: 'token', character_id: event.character_id, content: event.content };
    case 'done':
      // A reply stopped before its first word saved nothing: the old stream said nothing.
      if (event.message_id === null) return null;
      return {
        type: 'done',
        character_id: event.character_id,
        message_id: event.message_id,
        ...(event.stopped ? { stopped: true as const } : {}),
      };
    case 'error':
      return {
        type: 'error',
        ...(event.character_id ? { character_id: event.character_id } : {}),
        message: event.message,
      };
    default:
      return event;
  }
}

/** A round's stream as the deprecated group route sends it. */
export const groupEvents = (round: SseSource<ReplyEvent>): SseSource<GroupReplyEvent> => ({
  subscribe: (send, end) =>
    round.subscribe((event) => {
      const shaped = toGroupEvent(event);
      if (shaped) send(shaped);
    }, end),
  close: () => round.close?.(),
});

export const toGroupChatResponse = (chat: ChatResponseDto): GroupChatResponseDto => ({
  id: chat.id,
  title: chat.title,
  language: chat.language,
  members: chat.members,
  message_count: chat.message_count,
  generating: chat.generating,
  created_at: chat.created_at,
  updated_at: chat.updated_at,
});

export const toGroupMessage = (message: ChatMessageDto): GroupMessageDto => ({
  id: message.id,
  role: message.role === 'user' ? 'user' : 'assistant',
  character_id: message.character_id,
  content: message.content,
  status: message.status,
  model_used: message.model_used,
  prompt_tokens: message.prompt_tokens,
  completion_tokens: message.completion_tokens,
  created_at: message.created_at,
});
