import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { GenerationOptionsDto } from '../dto/message.dto.js';

export class PreferencesDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: "New chats' model (`auto`, a provider or provider:model); null: auto",
  })
  model: string | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: "New chats' reply length (max_tokens); null: the character's",
  })
  max_tokens: number | null;

  @ApiProperty({ enum: LANGUAGES, description: 'The language new chats are in' })
  language: Language;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The persona new chats are played as (the default one); null: no persona yet',
  })
  default_persona_id: string | null;
}

/**
 * What to change: a field left out stays as it is; null clears `model` or `max_tokens`. Model
 * and reply length are held to the tier's caps like a chat's settings.
 */
export class UpdatePreferencesDto extends PickType(GenerationOptionsDto, ['model', 'max_tokens']) {
  @ApiPropertyOptional({ enum: LANGUAGES })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'One of my personas, which becomes my default one (PUT /api/personas/{id} too)',
  })
  @IsOptional()
  @IsUUID()
  default_persona_id?: string;
}
