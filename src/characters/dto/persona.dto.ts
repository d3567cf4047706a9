import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import type { PersonaEntity } from '../entities/persona.entity.js';

export class CreatePersonaDto {
  @ApiProperty({ maxLength: 100 })
  @TextField(100, { minLength: 1 })
  name: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @TextField(5000, { multiline: true, optional: true })
  description?: string;

  @ApiPropertyOptional({ description: 'Custom slug (3-50 characters); generated when absent' })
  @IsOptional()
  @MaxLength(60)
  @IsString()
  slug?: string;

  @ApiPropertyOptional({
    description: 'Make this the default persona (the previous default is unset)',
  })
  @IsOptional()
  @IsBoolean()
  is_default?: boolean;
}

export class UpdatePersonaDto extends PartialType(CreatePersonaDto) {}

export class PersonaResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  slug: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty()
  is_default: boolean;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;

  static from(persona: PersonaEntity): PersonaResponseDto {
    return {
      id: persona.id,
      slug: persona.slug,
      name: persona.name,
      description: persona.description,
      is_default: persona.isDefault,
      created_at: persona.createdAt.toISOString(),
      updated_at: persona.updatedAt.toISOString(),
    };
  }
}
