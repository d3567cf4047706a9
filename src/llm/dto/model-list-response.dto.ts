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
