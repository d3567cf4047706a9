import { Injectable } from '@nestjs/common';
import { ViolationService } from '../auth/violations/violation.service.js';
import type {
  ModerationReportDto,
  ModerationReportPageDto,
} from '../characters/dto/moderation.dto.js';
import { ReportsService } from '../characters/reports.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditService } from './audit.service.js';
import { pageOf } from './dto/page-query.dto.js';
import type { ReportQueryDto, UpdateReportDto } from './dto/report.dto.js';

/** What the audit trail keeps of a moderation decision. */
const decision = (report: ModerationReportDto) => ({
  status: report.status,
  resolution_note: report.resolution_note,
  character_public: report.character?.is_public ?? null,
  character_taken_down: report.character?.taken_down ?? null,
});

/** Moderation of reported characters (the reports themselves belong to CharactersModule). */
@Injectable()
export class AdminReportsService {
  constructor(
    private readonly reports: ReportsService,
    private readonly audit: AuditService,
    private readonly violations: ViolationService,
  ) {}

  list(query: ReportQueryDto): Promise<ModerationReportPageDto> {
    return this.reports.list({ status: query.status, ...pageOf(query) });
  }

  /** `id` must be a UUID. */
  async update(actor: AuthUser, id: string, dto: UpdateReportDto): Promise<ModerationReportDto> {
    const before = await this.reports.get(id);
    const after = await this.reports.moderate(id, {
      status: dto.status,
      note: dto.note,
      unpublish: dto.unpublish,
      takedownReason: dto.takedown_reason,
    });
    await this.audit.record(
      actor,
      'report.update',
      `report:${id}`,
      decision(before),
      decision(after),
    );
    // Upheld (reviewed, not dismissed) for the first time: a violation of the character's owner.
    const ownerId = after.character?.owner_id;
    if (after.status === 'reviewed' && before.status !== 'reviewed' && ownerId) {
      await this.violations.record({ userId: ownerId }, 'upheld_report');
    }
    return after;
  }
}
