/*
 * Longer than most files on purpose: a message, its page and every stream event of a round are
 * each a named schema of their own in OpenAPI, so generated clients type them apart.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import { GROUP_MAX_MEMBERS } from '../storytelling/group-chat.js';
import type { PathMessage } from '../chat-rows.js';
import {
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  type MessageRole,
  type MessageStatus,
} from '../entities/message.entity.js';

export const MAX_MESSAGE_LENGTH = 10_000;
export const MAX_MESSAGE_PAGE_SIZE = 100;

/** How a reply is written: model and sampling; unset fields take the character's defaults. */
export class GenerationOptionsDto {
  @ApiPropertyOptional({
    description:
      '`auto` (default: the cost mode picks providers, falling back across them), a provider ' +
      '(`groq`), or a provider and one of its models (`groq:llama-3.3-70b-versatile`)',
    example: 'auto',
  })
  @IsOptional()
  @Matches(/^[a-z]+(:[\w.:/@-]+)?$/, {
    message: 'model must be auto, a provider name, or provider:model',
  })
  @MaxLength(200)
  model?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 2, description: 'Default 0.95 (NSFW) / 0.85' })
  @IsOptional()
  @Min(0)
  @Max(2)
  @IsNumber()
  temperature?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @Min(0)
  @Max(1)
  @IsNumber()
  top_p?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @IsOptional()
  @Min(1)
  @Max(1000)
  @IsInt()
  top_k?: number;

  @ApiPropertyOptional({ minimum: -2, maximum: 2, description: 'Default 0.5 (NSFW) / 0.3' })
  @IsOptional()
  @Min(-2)
  @Max(2)
  @IsNumber()
  frequency_penalty?: number;

  @ApiPropertyOptional({ minimum: -2, maximum: 2, description: 'Default 0.5 (NSFW) / 0.3' })
  @IsOptional()
  @Min(-2)
  @Max(2)
  @IsNumber()
  presence_penalty?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 32768,
    description: "Default: the character's; capped by the tier (guests 1024, free 2048, 4096)",
  })
  @IsOptional()
  @Min(1)
  @Max(32768)
  @IsInt()
  max_tokens?: number;
}

export class SendMessageDto extends GenerationOptionsDto {
  @ApiProperty({ maxLength: MAX_MESSAGE_LENGTH })
  @TextField(MAX_MESSAGE_LENGTH, { multiline: true, minLength: 1 })
  content: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: GROUP_MAX_MEMBERS,
    uniqueItems: true,
    description:
      'Who answers, in this order: members of the chat, muted ones too (one id: that member ' +
      'answers alone). Default: every member not muted, in speaking order',
  })
  @IsOptional()
  @Transform(({ value }) =>
    Array.isArray(value)
      ? value.map((id: unknown) => (typeof id === 'string' ? id.toLowerCase() : id))
      : value,
  )
  @IsUUID('all', { each: true, message: 'each value in speaker_ids must be a UUID' })
  @ArrayUnique({ message: 'speaker_ids must not name the same character twice' })
  @ArrayMaxSize(GROUP_MAX_MEMBERS)
  @ArrayMinSize(1)
  @IsArray()
  speaker_ids?: string[];
}

export class MessagesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_MESSAGE_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_MESSAGE_PAGE_SIZE)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({
    description: 'Only messages older than this one (the cursor)',
    maximum: Number.MAX_SAFE_INTEGER,
  })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  // Message ids are bigints; past this a number is no longer exact (and 1e20 overflows).
  @Max(Number.MAX_SAFE_INTEGER)
  @IsInt()
  before_id?: number;
}

/** A lorebook entry a reply's prompt carried. */
export class LorebookEntryRefDto {
  @ApiProperty({
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    description: "The entry's id in the character book, else its position",
  })
  id: number | string;

  @ApiProperty({ nullable: true, type: String, description: 'Its name (or comment)' })
  name: string | null;
}

/** What a reply's prompt remembered beyond its recent messages, by id (issue #18). */
export class MemoryUsedDto {
  @ApiProperty({
    type: [Number],
    description: 'Character memories (GET /api/characters/{id}/memories) the prompt carried',
  })
  facts: number[];

  @ApiProperty({
    type: [Number],
    description: "The chat's pinned notes (GET /api/chats/{id}/memory) the prompt carried",
  })
  notes: number[];

  @ApiProperty({
    type: [Number],
    description: 'Earlier messages of the chat recalled into the prompt',
  })
  messages: number[];
}

/** One message of a chat, direct or group. */
export class ChatMessageDto {
  @ApiProperty()
  id: number;

  @ApiProperty({ enum: MESSAGE_ROLES })
  role: MessageRole;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The character who spoke; null for the user (or a character since removed)',
  })
  character_id: string | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The message this one follows; null for a first message (an opening)',
  })
  parent_id: number | null;

  @ApiProperty({
    description:
      'Its position among the alternatives at this point of the story (its siblings: the ' +
      'replies regenerated for one message, the greetings), from 0, oldest first',
  })
  alternative_index: number;

  @ApiProperty({ description: 'How many alternatives there are here (1: none but this one)' })
  alternative_count: number;

  @ApiProperty({ nullable: true, type: String, description: 'Last edited in place' })
  edited_at: string | null;

  @ApiProperty({
    description:
      'The character wrote it first while the user was away (PUT /api/chats/{id}/proactive)',
  })
  proactive: boolean;

  @ApiProperty()
  content: string;

  @ApiProperty({
    enum: MESSAGE_STATUSES,
    description: '`stopped`: the reply was stopped and this is the part written until then',
  })
  status: MessageStatus;

  @ApiProperty({ nullable: true, type: String, description: '`provider/model`' })
  model_used: string | null;

  @ApiProperty({ nullable: true, type: Number })
  prompt_tokens: number | null;

  @ApiProperty({ nullable: true, type: Number })
  completion_tokens: number | null;

  @ApiProperty({ nullable: true, type: 'array', items: { type: 'object' } })
  dice_rolls: Array<Record<string, unknown>> | null;

  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true })
  encounter_state: Record<string, unknown> | null;

  @ApiProperty({
    nullable: true,
    type: [LorebookEntryRefDto],
    description: "Replies: the character book's entries their prompt carried",
  })
  lorebook_entries: LorebookEntryRefDto[] | null;

  @ApiProperty({
    nullable: true,
    type: MemoryUsedDto,
    description:
      'Replies: the facts, pinned notes and recalled messages their prompt carried ' +
      '(null: none, or a reply from before this was recorded)',
  })
  memory_used: MemoryUsedDto | null;

  @ApiProperty()
  created_at: string;
}

export class MessagePageDto {
  @ApiProperty({
    type: [ChatMessageDto],
    description: 'The active path (the story as it stands), oldest first',
  })
  messages: ChatMessageDto[];

  @ApiProperty({ description: 'Older messages exist: ask again with before_id' })
  has_more: boolean;
}

export class AnonLimitDto {
  @ApiProperty({ description: 'Messages a guest session may send (0: guest chat is off)' })
  limit: number;

  @ApiProperty({
    description:
      "What this session may still send: less when its address's daily guest allowance has less left",
  })
  remaining: number;

  @ApiProperty()
  enabled: boolean;
}

export class StopResponseDto {
  @ApiProperty({
    description:
      'A reply was being written and was stopped (a group chat: the round was cut short)',
  })
  stopped: boolean;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The last reply saved (the partial one); null when nothing had been written',
  })
  message_id: number | null;
}

/** `data: {"type":"token",…}`: the next piece of a character's reply. */
export class ReplyTokenEventDto {
  @ApiProperty({ enum: ['token'] })
  type: 'token';

  @ApiProperty({ description: 'The next piece of the reply' })
  content: string;

  @ApiProperty({ format: 'uuid', description: 'The character speaking' })
  character_id: string;
}

/** `data: {"type":"done",…}`: a character's reply is complete and saved (or was stopped). */
export class ReplyDoneEventDto {
  @ApiProperty({ enum: ['done'] })
  type: 'done';

  @ApiProperty({ format: 'uuid', description: 'The character who spoke' })
  character_id: string;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The saved reply (null when stopped before any text)',
  })
  message_id: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The user message answered; null when continuing an opening, which answers none',
  })
  user_message_id: number | null;

  @ApiPropertyOptional({ description: 'Guests: messages left in the session' })
  anon_messages_left?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description:
      "Campaigns: the server's rolls for the [ROLL] tags of the reply " +
      '(notation, description, rolls, modifier, total)',
  })
  dice_rolls?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Campaigns: the [STATE {…}] the reply reported',
  })
  encounter_state?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: MemoryUsedDto,
    description: 'What the prompt remembered (ids), when it carried any fact, note or passage',
  })
  memory_used?: MemoryUsedDto;

  @ApiPropertyOptional({ description: 'The reply was stopped; the part so far was kept' })
  stopped?: boolean;
}

/**
 * `data: {"type":"error",…}`: the reply failed, which ends the round (a group chat's still
 * closes with `end`).
 */
export class ReplyErrorEventDto {
  @ApiProperty({ enum: ['error'] })
  type: 'error';

  @ApiProperty({ description: 'What went wrong (details for admins only)' })
  message: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The character whose reply failed' })
  character_id?: string;
}

/** `data: {"type":"end",…}`: the last event of a group chat's round. */
export class RoundEndEventDto {
  @ApiProperty({ enum: ['end'] })
  type: 'end';

  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The user's message; null when no character answered and it was dropped",
  })
  user_message_id: number | null;
}

/** The events of a reply stream, by `type` (see streaming/reply-event.ts). */
export const REPLY_EVENTS = {
  token: ReplyTokenEventDto,
  done: ReplyDoneEventDto,
  error: ReplyErrorEventDto,
  end: RoundEndEventDto,
};

export const toMessageResponse = (message: PathMessage): ChatMessageDto => ({
  id: Number(message.id),
  role: message.role,
  character_id: message.characterId,
  parent_id: message.parentId === null ? null : Number(message.parentId),
  alternative_index: message.alternativeIndex,
  alternative_count: message.alternativeCount,
  edited_at: message.editedAt?.toISOString() ?? null,
  proactive: message.proactive,
  content: message.content,
  status: message.status,
  model_used: message.modelUsed,
  prompt_tokens: message.promptTokens,
  completion_tokens: message.completionTokens,
  dice_rolls: message.diceRolls,
  encounter_state: message.encounterState,
  lorebook_entries: message.lorebookEntries,
  memory_used: message.memoryUsed,
  created_at: message.createdAt.toISOString(),
});

export class PersonaReplyResponseDto {
  @ApiProperty({ description: "The suggested next message of the user's persona (not saved)" })
  content: string;
}
