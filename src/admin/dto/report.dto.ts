import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { REPORT_STATUSES, type ReportStatus } from '../../characters/entities/report.entity.js';
import { TextField } from '../../common/validation/text-field.js';
import { AdminPageQueryDto } from './page-query.dto.js';

export class ReportQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({ enum: REPORT_STATUSES, description: 'Only reports in this status' })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: ReportStatus;
}

export class UpdateReportDto {
  @ApiProperty({ enum: REPORT_STATUSES, description: 'pending reopens a report' })
  @IsIn(REPORT_STATUSES)
  status: ReportStatus;

  @ApiPropertyOptional({
    maxLength: 2000,
    description: "The moderator's note; empty clears it, absent keeps it",
  })
  @TextField(2000, { multiline: true, optional: true })
  note?: string;

  @ApiPropertyOptional({
    description:
      'Also take the character down: private, and only an admin can publish it again ' +
      '(POST /api/admin/characters/{id}/reinstate)',
  })
  @IsOptional()
  @IsBoolean()
  unpublish?: boolean;

  @ApiPropertyOptional({
    maxLength: 500,
    description:
      "With unpublish: why, as the character's owner is told (default: the report's reason); " +
      'without unpublish: true it is a 400',
  })
  @TextField(500, { multiline: true, optional: true, minLength: 1 })
  takedown_reason?: string;
}
