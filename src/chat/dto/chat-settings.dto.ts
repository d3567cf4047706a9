import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import type { ChatSettings } from '../entities/chat.entity.js';
import { MemberIds } from './chat.dto.js';
import { GenerationOptionsDto } from './message.dto.js';

export const MAX_AUTHOR_NOTE_LENGTH = 2000;
export const MAX_AUTHOR_NOTE_DEPTH = 50;

/** SillyTavern's author's note: a system message `depth` messages from the prompt's end. */
export class AuthorNoteDto {
  @ApiProperty({
    maxLength: MAX_AUTHOR_NOTE_LENGTH,
    description: 'What the prompt carries (a system message), e.g. the tone of the scene',
  })
  @TextField(MAX_AUTHOR_NOTE_LENGTH, { multiline: true, minLength: 1 })
  text: string;

  @ApiProperty({
    minimum: 0,
    maximum: MAX_AUTHOR_NOTE_DEPTH,
    description:
      'How many chat messages come after it: 0 after the newest message, 1 right before it, …; ' +
      'deeper than the history sent puts it before the oldest one',
  })
  @Min(0)
  @Max(MAX_AUTHOR_NOTE_DEPTH)
  @IsInt()
  depth: number;
}

/**
 * A chat's settings, all at once: a field left out (or null) is unset and takes the default.
 * A request's own generation options override them for that request.
 */
export class ChatSettingsDto extends GenerationOptionsDto {
  @ApiPropertyOptional({ type: AuthorNoteDto, nullable: true, description: 'None when unset' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuthorNoteDto)
  author_note?: AuthorNoteDto | null;

  @ApiPropertyOptional({
    description:
      "true: what the character learns in this chat stays this chat's (other chats with it " +
      'neither see it nor add to it here); default false: shared by my chats with the character',
  })
  @IsOptional()
  @IsBoolean()
  memory_chat_only?: boolean;
}

export class ChatSettingsResponseDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: '`auto`, a provider or provider:model; null: auto',
  })
  model: string | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Null: 0.95 (NSFW) / 0.85' })
  temperature: number | null;

  @ApiProperty({ nullable: true, type: Number, description: "Null: the provider's" })
  top_p: number | null;

  @ApiProperty({ nullable: true, type: Number, description: "Null: the provider's" })
  top_k: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Null: 0.5 (NSFW) / 0.3' })
  frequency_penalty: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Null: 0.5 (NSFW) / 0.3' })
  presence_penalty: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The reply length; null: the character's (always capped by the tier)",
  })
  max_tokens: number | null;

  @ApiProperty({ nullable: true, type: AuthorNoteDto })
  author_note: AuthorNoteDto | null;

  @ApiProperty({ description: "What the character learns here stays this chat's" })
  memory_chat_only: boolean;
}

/** The settings a request body sets: only what it gives (a PUT replaces them all). */
export const toChatSettings = (dto: ChatSettingsDto): ChatSettings =>
  Object.fromEntries(
    Object.entries({
      model: dto.model,
      temperature: dto.temperature,
      top_p: dto.top_p,
      top_k: dto.top_k,
      frequency_penalty: dto.frequency_penalty,
      presence_penalty: dto.presence_penalty,
      max_tokens: dto.max_tokens,
      author_note: dto.author_note && { text: dto.author_note.text, depth: dto.author_note.depth },
      memory_chat_only: dto.memory_chat_only || undefined,
    }).filter(([, value]) => value !== undefined && value !== null),
  );

/** A request's generation options over the chat's settings: what the request gives wins. */
export function withChatSettings<T extends GenerationOptionsDto>(
  settings: ChatSettings,
  options: T,
): T {
  const { author_note: _note, memory_chat_only: _memory, ...sampling } = settings;
  const given = Object.entries(options).filter(
    ([, value]) => value !== undefined && value !== null,
  );
  return { ...sampling, ...Object.fromEntries(given) } as T;
}

export const toChatSettingsResponse = (settings: ChatSettings): ChatSettingsResponseDto => ({
  model: settings.model ?? null,
  temperature: settings.temperature ?? null,
  top_p: settings.top_p ?? null,
  top_k: settings.top_k ?? null,
  frequency_penalty: settings.frequency_penalty ?? null,
  presence_penalty: settings.presence_penalty ?? null,
  max_tokens: settings.max_tokens ?? null,
  author_note: settings.author_note ?? null,
  memory_chat_only: settings.memory_chat_only === true,
});

export class MuteMemberDto {
  @ApiProperty({ description: 'true: the member sits rounds out unless named in speaker_ids' })
  @IsBoolean()
  muted: boolean;
}

export class ReorderMembersDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    uniqueItems: true,
    description: "The chat's members, every one of them once, in their new speaking order",
  })
  @MemberIds()
  character_ids: string[];
}
