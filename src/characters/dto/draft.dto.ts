import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { TextField } from '../../common/validation/text-field.js';
import { CreateCharacterDto } from './character-input.dto.js';

export class GenerateDraftDto {
  @ApiProperty({ description: 'The idea, in a few words or a few paragraphs', maxLength: 4000 })
  @TextField(4000, { multiline: true, minLength: 3 })
  text: string;

  @ApiPropertyOptional({ enum: LANGUAGES, description: 'Language of the draft (default: yours)' })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;
}

/** An unsaved character written by the model: review it, then POST it to /api/characters. */
export class CharacterDraftDto extends OmitType(CreateCharacterDto, [
  'slug',
  'is_public',
  'character_book',
  'definition_hidden',
]) {
  @ApiProperty({ description: 'The model that wrote the draft' })
  model: string;
}
