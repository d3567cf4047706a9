import { ApiProperty } from '@nestjs/swagger';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { TextField } from '../../common/validation/text-field.js';

export const PROMPT_MAX_LENGTH = 20_000;

export class PromptTemplateDto {
  @ApiProperty({ example: 'identity' })
  key: string;

  @ApiProperty({ enum: LANGUAGES })
  lang: Language;

  @ApiProperty({ description: 'The text in code' })
  default: string;

  @ApiProperty({ type: String, nullable: true, description: "An admin's replacement, if any" })
  override: string | null;

  @ApiProperty({ enum: ['default', 'override'], description: 'Which text prompts use now' })
  effective: 'default' | 'override';
}

export class SetPromptDto {
  @ApiProperty({
    maxLength: PROMPT_MAX_LENGTH,
    description: 'Trimmed; not empty; line breaks and tabs allowed, other control characters not',
  })
  @TextField(PROMPT_MAX_LENGTH, { multiline: true, minLength: 1 })
  text: string;
}
