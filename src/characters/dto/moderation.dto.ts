import { ApiProperty } from '@nestjs/swagger';
import {
  REPORT_REASONS,
  REPORT_STATUSES,
  type ReportReason,
  type ReportStatus,
} from '../entities/report.entity.js';

/** The reported character as a moderator needs to see it, deleted ones included. */
export class ReportedCharacterDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  slug: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ format: 'uuid' })
  owner_id: string;

  @ApiProperty()
  is_public: boolean;

  @ApiProperty({ description: 'Taken down by a moderator (only an admin can republish it)' })
  taken_down: boolean;

  @ApiProperty({ description: 'Deleted by its owner or an admin since the report' })
  deleted: boolean;
}

export class ReporterDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;
}

/** A report with what moderation needs: the character and who reported it. */
export class ModerationReportDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: REPORT_REASONS })
  reason: ReportReason;

  @ApiProperty()
  details: string;

  @ApiProperty({ enum: REPORT_STATUSES })
  status: ReportStatus;

  @ApiProperty({ type: String, nullable: true, description: "The moderator's note" })
  resolution_note: string | null;

  @ApiProperty({ type: ReportedCharacterDto, nullable: true })
  character: ReportedCharacterDto | null;

  @ApiProperty({ type: ReporterDto, nullable: true })
  reporter: ReporterDto | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updated_at: string;
}

export class ModerationReportPageDto {
  @ApiProperty({ type: [ModerationReportDto] })
  items: ModerationReportDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}
