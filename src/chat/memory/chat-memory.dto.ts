import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import { AuthorNoteDto } from '../dto/chat-settings.dto.js';
import { CharacterMemoryResponseDto } from './character-memory.dto.js';

/** A summary the user writes is at most this long (the summarizer's own stay near 300 words). */
export const MAX_SUMMARY_LENGTH = 8000;
/** The most notes one request may list; the caller's tier allows fewer (TIER_LIMITS). */
export const MAX_PINNED_NOTES_BODY = 100;
/** A note's length in a request; the caller's tier allows less (TIER_LIMITS). */
export const MAX_PINNED_NOTE_BODY_LENGTH = 4000;

export class PinnedNoteInputDto {
  @ApiPropertyOptional({
    description: 'The id of a note of this chat to keep (its text replaced); none for a new note',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  // Beyond it the number is no exact id (and no bigint): a 400, not a database error.
  @Max(Number.MAX_SAFE_INTEGER)
  id?: number;

  @ApiProperty({ maxLength: MAX_PINNED_NOTE_BODY_LENGTH, description: "Within the tier's length" })
  @TextField(MAX_PINNED_NOTE_BODY_LENGTH, { multiline: true, minLength: 1 })
  text: string;
}

/** A change of the memory panel: a field left out stays as it is. */
export class UpdateChatMemoryDto {
  @ApiPropertyOptional({
    maxLength: MAX_SUMMARY_LENGTH,
    description:
      'The story so far, as the user wants it told; empty clears it (the summarizer starts over). ' +
      'The summarizer folds later messages into this text and keeps what it says.',
  })
  @TextField(MAX_SUMMARY_LENGTH, { multiline: true, optional: true })
  summary?: string;

  @ApiPropertyOptional({
    type: [PinnedNoteInputDto],
    maxItems: MAX_PINNED_NOTES_BODY,
    description:
      'All the pinned notes, in order: notes left out are deleted. At most the tier allows ' +
      '(pinned_note_limits in the response).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PINNED_NOTES_BODY)
  @ValidateNested({ each: true })
  @Type(() => PinnedNoteInputDto)
  pinned_notes?: PinnedNoteInputDto[];
}

export class PinnedNoteResponseDto {
  @ApiProperty()
  id: number;

  @ApiProperty()
  text: string;
}

export class PinnedNoteLimitsDto {
  @ApiProperty({ description: "Notes the caller's tier may pin to one chat" })
  count: number;

  @ApiProperty({ description: 'Characters of one note' })
  chars: number;
}

export class ChatMemoryResponseDto {
  @ApiProperty({ nullable: true, type: String, description: 'The story so far' })
  summary: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the user last wrote the summary; null: the summarizer wrote it all',
  })
  summary_edited_at: string | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The last message the summary covers; later ones the prompt carries verbatim',
  })
  summarized_through_message_id: number | null;

  @ApiProperty({ type: [PinnedNoteResponseDto], description: 'Carried by every prompt, in order' })
  pinned_notes: PinnedNoteResponseDto[];

  @ApiProperty({ type: PinnedNoteLimitsDto })
  pinned_note_limits: PinnedNoteLimitsDto;

  @ApiProperty({
    nullable: true,
    type: AuthorNoteDto,
    description: "The chat's author's note, shown here; changed with PUT /api/chats/{id}/settings",
  })
  author_note: AuthorNoteDto | null;

  @ApiProperty({
    type: [CharacterMemoryResponseDto],
    description:
      "What the chat's character remembers about me (none in guest chats); changed through " +
      '/api/characters/{id}/memories',
  })
  memories: CharacterMemoryResponseDto[];
}
