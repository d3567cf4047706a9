import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import {
  type CharacterMemory,
  MEMORY_KINDS,
  type MemoryKind,
} from './character-memory.repository.js';

export const MAX_MEMORY_TEXT_LENGTH = 500;

/** The `:memory_id` of a memory route: a positive integer (400 otherwise). */
export class ParseMemoryIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new BadRequestException('memory_id must be a memory id (a positive integer)');
    }
    return id;
  }
}

export class ListMemoriesQueryDto {
  @ApiPropertyOptional({
    description: 'Also the facts that were superseded (their history); default false',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  history?: boolean;
}

export class CreateMemoryDto {
  @ApiProperty({ maxLength: MAX_MEMORY_TEXT_LENGTH })
  @TextField(MAX_MEMORY_TEXT_LENGTH, { minLength: 1 })
  text: string;

  @ApiProperty({ enum: MEMORY_KINDS })
  @IsIn(MEMORY_KINDS)
  kind: MemoryKind;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'Default 3' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  importance?: number;

  @ApiPropertyOptional({ description: 'Pinned facts go into every prompt first; default true' })
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

/** A change of a fact: a field left out stays as it is. */
export class UpdateMemoryDto {
  @ApiPropertyOptional({ maxLength: MAX_MEMORY_TEXT_LENGTH })
  @TextField(MAX_MEMORY_TEXT_LENGTH, { minLength: 1, optional: true })
  text?: string;

  @ApiPropertyOptional({ enum: MEMORY_KINDS })
  @IsOptional()
  @IsIn(MEMORY_KINDS)
  kind?: MemoryKind;

  @ApiPropertyOptional({ minimum: 1, maximum: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  importance?: number;

  @ApiPropertyOptional({ description: 'Pinned facts go into every prompt first' })
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

export class CharacterMemoryResponseDto {
  @ApiProperty()
  id: number;

  @ApiProperty({ format: 'uuid' })
  character_id: string;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The chat it was learned in; null: written by the user',
  })
  chat_id: string | null;

  @ApiProperty({ description: "Only that chat's prompts use it" })
  chat_only: boolean;

  @ApiProperty({ enum: MEMORY_KINDS })
  kind: MemoryKind;

  @ApiProperty()
  text: string;

  @ApiProperty({ minimum: 1, maximum: 5 })
  importance: number;

  @ApiProperty({
    type: [Number],
    description: 'The messages it was learned from; unused once none is on its chat’s story',
  })
  source_message_ids: number[];

  @ApiProperty()
  pinned: boolean;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The fact that replaced this one (history); null while current',
  })
  superseded_by: number | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class CharacterMemoryListDto {
  @ApiProperty({
    type: [CharacterMemoryResponseDto],
    description: 'Current facts first (pinned, then most important), at most 200',
  })
  memories: CharacterMemoryResponseDto[];
}

export const toMemoryResponse = (memory: CharacterMemory): CharacterMemoryResponseDto => ({
  id: memory.id,
  character_id: memory.characterId,
  chat_id: memory.chatId,
  chat_only: memory.chatOnly,
  kind: memory.kind,
  text: memory.text,
  importance: memory.importance,
  source_message_ids: memory.sourceMessageIds,
  pinned: memory.pinned,
  superseded_by: memory.supersededBy,
  created_at: memory.createdAt.toISOString(),
  updated_at: memory.updatedAt.toISOString(),
});
