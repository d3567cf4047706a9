import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { AUDIT_ACTIONS, type AuditAction } from '../entities/admin-audit.entity.js';
import { AdminPageQueryDto } from './page-query.dto.js';

const ANY_JSON = [
  { type: 'object' },
  { type: 'array', items: {} },
  { type: 'string' },
  { type: 'number' },
  { type: 'boolean' },
];

export class AuditQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, description: 'Only entries of this action' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null once deleted' })
  actor_id: string | null;

  @ApiProperty({ description: "The admin's email at the time" })
  actor_email: string;

  @ApiProperty({ enum: AUDIT_ACTIONS })
  action: AuditAction;

  @ApiProperty({ example: 'setting:cost_mode', description: '`<kind>:<id>` of what changed' })
  target: string;

  @ApiProperty({ oneOf: ANY_JSON, nullable: true, description: 'State before the write' })
  before: unknown;

  @ApiProperty({ oneOf: ANY_JSON, nullable: true, description: 'State after the write' })
  after: unknown;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items: AuditEntryDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}
