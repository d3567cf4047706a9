import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined } from 'class-validator';

const SETTING_VALUE = [
  { type: 'boolean' },
  { type: 'integer' },
  { type: 'string' },
  { type: 'array', items: { type: 'string' } },
];

export class SettingDto {
  @ApiProperty({ example: 'cost_mode' })
  key: string;

  @ApiProperty({ oneOf: SETTING_VALUE, description: 'The value in effect' })
  value: unknown;

  @ApiProperty({ enum: ['boolean', 'integer', 'enum', 'list'] })
  type: 'boolean' | 'integer' | 'enum' | 'list';

  @ApiProperty({ oneOf: SETTING_VALUE })
  default: unknown;

  @ApiPropertyOptional({ description: 'Smallest allowed value (integers)' })
  min?: number;

  @ApiPropertyOptional({ description: 'Largest allowed value (integers)' })
  max?: number;

  @ApiPropertyOptional({ type: [String], description: 'Allowed values (enums)' })
  values?: string[];

  @ApiPropertyOptional({ description: 'Fewest entries (lists that need some; else 0)' })
  min_items?: number;

  @ApiPropertyOptional({ description: 'Most entries (lists)' })
  max_items?: number;

  @ApiPropertyOptional({ description: 'Most characters per entry (lists)' })
  max_length?: number;

  @ApiProperty()
  description: string;
}

export class UpdateSettingDto {
  /** Any JSON type gets through here: the setting's own rule is checked by SettingsService. */
  @ApiProperty({ oneOf: SETTING_VALUE, description: "Of the setting's type, within its range" })
  @IsDefined({ message: 'value is required (a boolean, integer, string or list of strings)' })
  value: unknown;
}

/** An LLM provider as the admin screen shows it. */
export class ProviderStatusDto {
  @ApiProperty({ example: 'openai' })
  provider: string;

  @ApiProperty({ description: 'Its API key is set' })
  configured: boolean;

  @ApiProperty({ description: 'Costs money per request' })
  paid: boolean;

  @ApiProperty({ description: 'Not switched off by an admin (provider_enabled.<name>)' })
  enabled: boolean;

  @ApiProperty({ description: 'Blocked automatically after a billing error (HTTP 402)' })
  blocked: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  blocked_until: string | null;

  @ApiProperty({ description: 'Seconds until the block lifts by itself; 0 when not blocked' })
  remaining_seconds: number;

  @ApiProperty({ type: String, nullable: true, example: 'insufficient_balance' })
  reason: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The error behind the block, else the latest that put a model on cooldown',
  })
  last_error: string | null;

  @ApiProperty({ type: [String], description: 'Models skipped for now after failures' })
  models_cooling_down: string[];

  @ApiProperty({ description: 'May serve requests now' })
  available: boolean;
}

/** How chat memory works on this deployment, as the admin screen shows it (issue #18). */
export class MemoryStatusDto {
  @ApiProperty({
    example: 'full-text',
    description:
      'How old messages are recalled into prompts: `full-text` (PostgreSQL full-text search), ' +
      'or `full-text+embeddings` (its candidates re-ranked by message embeddings) when an ' +
      'embeddings endpoint is configured',
  })
  recall_mode: string;
}
