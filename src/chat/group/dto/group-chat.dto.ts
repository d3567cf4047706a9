import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsUUID,
} from 'class-validator';
import { LANGUAGES, type Language } from '../../../common/languages.js';
import { TextField } from '../../../common/validation/text-field.js';
import { MAX_MESSAGE_LENGTH } from '../../dto/message.dto.js';
import { ChatCharacterDto } from '../../dto/chat.dto.js';
import { MESSAGE_STATUSES, type MessageStatus } from '../../entities/message.entity.js';
import { GROUP_MAX_MEMBERS } from '../../storytelling/group-chat.js';
import { GROUP_MESSAGE_ROLES, type GroupMessageRole } from '../entities/group-message.entity.js';

export const MAX_GROUP_TITLE_LENGTH = 200;

export class CreateGroupChatDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: GROUP_MAX_MEMBERS,
    uniqueItems: true,
    description: 'The characters, by id, in the order they answer each message',
  })
  // Lower-cased first: the same id in two cases is the same character.
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value)
      ? value.map((id: unknown) => (typeof id === 'string' ? id.toLowerCase() : id))
      : value,
  )
  @IsUUID('all', { each: true, message: 'each value in character_ids must be a UUID' })
  @ArrayUnique({ message: 'character_ids must not list the same character twice' })
  @ArrayMaxSize(GROUP_MAX_MEMBERS, {
    message: `character_ids must list at most ${GROUP_MAX_MEMBERS} characters`,
  })
  @ArrayMinSize(1, { message: 'character_ids must list at least one character' })
  @IsArray({ message: 'character_ids must be an array of character ids' })
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

/** The events of a group round's stream, by `type` (see group-reply-event.ts). */
export const GROUP_REPLY_EVENTS = {
  token: GroupReplyTokenEventDto,
  done: GroupReplyDoneEventDto,
  error: GroupReplyErrorEventDto,
  end: GroupReplyEndEventDto,
};
