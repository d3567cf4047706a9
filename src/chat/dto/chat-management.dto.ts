import { CharacterMemoryResponseDto } from '../memory/character-memory.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { CHAT_KINDS, type ChatKind } from '../entities/chat.entity.js';
import {
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  type MessageRole,
  type MessageStatus,
} from '../entities/message.entity.js';
import { CHAT_IMPORT_MAX_BYTES } from '../sillytavern-chat.js';
import { MAX_CHAT_TITLE_LENGTH } from './chat.dto.js';

export const MAX_SEARCH_QUERY_LENGTH = 200;
export const MAX_SEARCH_PAGE_SIZE = 50;

export class RenameChatDto {
  @ApiProperty({
    maxLength: MAX_CHAT_TITLE_LENGTH,
    description: 'The new title (one line); empty clears it',
  })
  @TextField(MAX_CHAT_TITLE_LENGTH)
  title: string;
}

export class ChatSearchQueryDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_SEARCH_QUERY_LENGTH,
    description:
      'Words to find, as a web search engine reads them: all of them (any order, any case), ' +
      '"a quoted phrase", `or`, `-word` to leave out. No stemming: a word matches itself only.',
  })
  @TextField(MAX_SEARCH_QUERY_LENGTH, { minLength: 1 })
  q: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,15}$/, { message: 'cursor must be a next_cursor from a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SEARCH_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_SEARCH_PAGE_SIZE)
  @IsInt()
  limit?: number;
}

export class ChatSearchHitDto {
  @ApiProperty({ format: 'uuid' })
  chat_id: string;

  @ApiProperty({
    description: 'The message found (it may be an alternative off the active path)',
  })
  message_id: number;

  @ApiProperty({
    description:
      'Where the words occur in the message (15 to 35 words of it; a short message whole): ' +
      'HTML-escaped text, the words found in `<mark>…</mark>`',
    example: 'the storm &lt;b&gt;came&lt;/b&gt; at <mark>midnight</mark>',
  })
  snippet: string;

  @ApiProperty()
  created_at: string;
}

export class ChatSearchPageDto {
  @ApiProperty({ type: [ChatSearchHitDto], description: 'Newest first' })
  items: ChatSearchHitDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last one',
  })
  next_cursor: string | null;
}

export const CHAT_EXPORT_FORMATS = ['jsonl', 'json'] as const;
export type ChatExportFormat = (typeof CHAT_EXPORT_FORMATS)[number];

export class ChatExportQueryDto {
  @ApiPropertyOptional({
    enum: CHAT_EXPORT_FORMATS,
    default: 'jsonl',
    description:
      '`jsonl`: a SillyTavern chat file of the active path, alternatives as `swipes`; ' +
      '`json`: the whole tree (ChatTreeExportDto)',
  })
  @IsOptional()
  @IsIn(CHAT_EXPORT_FORMATS)
  format?: ChatExportFormat;
}

export class ImportChatDto {
  @ApiProperty({ format: 'uuid', description: 'A character of mine: the chat is with it' })
  @IsUUID()
  character_id: string;

  @ApiPropertyOptional({
    description:
      'The SillyTavern chat file itself (JSON bodies; or send it as `file` in multipart), ' +
      'within the request body limit (BODY_LIMIT_BYTES, 1 MB by default)',
  })
  @IsOptional()
  @MaxLength(CHAT_IMPORT_MAX_BYTES)
  @IsString()
  jsonl?: string;
}

/** A message of an exported tree. */
export class ChatTreeMessageDto {
  @ApiProperty()
  id: number;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The message it follows; null for an opening (a root)',
  })
  parent_id: number | null;

  @ApiProperty({ description: 'On the active path (the story as it stands)' })
  active: boolean;

  @ApiProperty({ enum: MESSAGE_ROLES })
  role: MessageRole;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  character_id: string | null;

  @ApiProperty()
  content: string;

  @ApiProperty({ enum: MESSAGE_STATUSES })
  status: MessageStatus;

  @ApiProperty()
  created_at: string;

  @ApiProperty({ nullable: true, type: String })
  edited_at: string | null;
}

/** The chat an exported tree belongs to. */
export class ChatTreeChatDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: CHAT_KINDS })
  kind: ChatKind;

  @ApiProperty({ nullable: true, type: String })
  title: string | null;

  @ApiProperty({ enum: LANGUAGES })
  language: Language;

  @ApiProperty({ nullable: true, type: String })
  persona_name: string | null;

  @ApiProperty({ type: [String], description: "The members' ids, in speaking order" })
  character_ids: string[];

  @ApiProperty({ nullable: true, type: Number, description: 'The end of the active path' })
  leaf_id: number | null;

  @ApiProperty()
  created_at: string;
}

export class ChatTreeExportDto {
  @ApiProperty({ type: ChatTreeChatDto })
  chat: ChatTreeChatDto;

  @ApiProperty({
    type: [ChatTreeMessageDto],
    description: 'Every message of every branch, by id (a parent before its children)',
  })
  messages: ChatTreeMessageDto[];

  @ApiProperty({
    type: [CharacterMemoryResponseDto],
    description: 'What the character learned about me in this chat, superseded facts too',
  })
  memories: CharacterMemoryResponseDto[];

  @ApiProperty({ type: [String], description: 'The notes pinned to the chat, in order' })
  pinned_notes: string[];
}
