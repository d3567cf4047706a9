import { ApiProperty } from '@nestjs/swagger';
import { LISTED_PROVIDERS } from '../models/model-registry.js';

export class ModelDto {
  @ApiProperty({ example: 'llama-3.3-70b-versatile' })
  id: string;

  @ApiProperty({ example: 'Llama 3.3 70B' })
  name: string;

  @ApiProperty({ example: 'meta', description: 'Who trained the model' })
  vendor: string;

  @ApiProperty({ example: 7.5, minimum: 0, maximum: 10, description: 'Roleplay quality score' })
  quality: number;

  @ApiProperty({ description: 'The provider allows adult content with it' })
  nsfw: boolean;

  @ApiProperty({ description: 'It reasons before answering (reasoning is never shown)' })
  thinking: boolean;
}

export class ModelListResponseDto {
  @ApiProperty({ enum: LISTED_PROVIDERS, example: 'groq' })
  provider: string;

  @ApiProperty({ type: [ModelDto], description: 'Best first' })
  models: ModelDto[];
}

/** Every model list the caller may pick from, with the allowlist behind it. */
export class AllowedModelsResponseDto {
  @ApiProperty({
    type: [String],
    example: ['auto', 'groq', 'cerebras', 'openrouter:*:free'],
    description:
      "What the caller's tier may name as `model`: `auto`, `*` (anything), a provider (any of " +
      'its models) or `provider:model` (`*` in the model matches any text)',
  })
  allowed: string[];

  @ApiProperty({
    type: [ModelListResponseDto],
    description: 'The listed providers with the models the caller may name, best first',
  })
  providers: ModelListResponseDto[];
}
