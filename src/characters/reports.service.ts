import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { NotificationsService } from '../notifications/notifications.service.js';
import { UsersService } from '../auth/users.service.js';
import type { ModerationReportDto, ModerationReportPageDto } from './dto/moderation.dto.js';
import type { CharacterEntity } from './entities/character.entity.js';
import type { ReportEntity, ReportReason, ReportStatus } from './entities/report.entity.js';
import { ReportsRepository } from './reports.repository.js';
import { offsetOf, pageOfRows } from '../common/pagination.js';

export interface ReportQuery {
  status?: ReportStatus;
  page: number;
  pageSize: number;
}

export interface ModerationDecision {
  status: ReportStatus;
  /** Replaces the moderator's note; an empty string clears it, undefined keeps it. */
  note?: string;
  /** Also take the reported character down: private until an admin reinstates it. */
  unpublish?: boolean;
  /** What the owner is told; the report's reason without it. */
  takedownReason?: string;
}

/** What the owner of a character taken down after a report is told when none was written. */
export const defaultTakedownReason = (reason: ReportReason): string =>
  `Unpublished by a moderator after a report (${reason})`;

/** Moderation of reports, for the admin tools (CharactersModule exports this service). */
@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
  ) {}

  async list(query: ReportQuery): Promise<ModerationReportPageDto> {
    const rows = await this.reports.page({
      status: query.status,
      offset: offsetOf(query),
      limit: query.pageSize,
    });
    const { shown, hasMore } = pageOfRows(rows, query.pageSize);
    return {
      items: await this.describe(shown),
      page: query.page,
      page_size: query.pageSize,
      has_more: hasMore,
    };
  }

  /** `id` must be a UUID. */
  async get(id: string): Promise<ModerationReportDto> {
    const report = await this.reports.findById(id);
    if (!report) throw new NotFoundException('Report not found');
    return (await this.describe([report]))[0];
  }

  /** `id` must be a UUID. */
  async moderate(id: string, decision: ModerationDecision): Promise<ModerationReportDto> {
    // A reason without a takedown would be dropped: the moderator meant something else.
    if (decision.takedownReason !== undefined && decision.unpublish !== true) {
      throw new BadRequestException('takedown_reason requires unpublish: true');
    }
    const previous = await this.reports.moderate(
      id,
      {
        status: decision.status,
        ...(decision.note !== undefined ? { resolutionNote: decision.note || null } : {}),
      },
      decision.unpublish === true
        ? (report) => decision.takedownReason || defaultTakedownReason(report.reason)
        : null,
    );
    if (!previous) throw new NotFoundException('Report not found');
    const report = await this.get(id);
    // The owner hears of the decision once: when the report leaves `pending`.
    if (previous === 'pending' && decision.status !== 'pending' && report.character) {
      await this.notifications.reportDecided(report.character.owner_id, report.character, {
        reportId: report.id,
        status: decision.status,
        unpublished: decision.unpublish === true,
      });
    }
    return report;
  }

  /** Adds the characters and reporters, two queries for the whole page. */
  private async describe(reports: ReportEntity[]): Promise<ModerationReportDto[]> {
    const [characters, reporters] = await Promise.all([
      this.reports.charactersByIds([...new Set(reports.map((report) => report.characterId))]),
      this.users.findByIds([...new Set(reports.map((report) => report.reporterId))]),
    ]);
    const characterById = new Map(characters.map((character) => [character.id, character]));
    const reporterById = new Map(reporters.map((user) => [user.id, user]));
    return reports.map((report) => {
      const character = characterById.get(report.characterId);
      const reporter = reporterById.get(report.reporterId);
      return {
        id: report.id,
        reason: report.reason,
        details: report.details,
        status: report.status,
        resolution_note: report.resolutionNote,
        character: character ? summary(character) : null,
        reporter: reporter ? { id: reporter.id, email: reporter.email } : null,
        created_at: report.createdAt.toISOString(),
        updated_at: report.updatedAt.toISOString(),
      };
    });
  }
}

const summary = (character: CharacterEntity) => ({
  id: character.id,
  slug: character.slug,
  name: character.name,
  owner_id: character.ownerId,
  is_public: character.isPublic,
  taken_down: character.takenDownAt !== null,
  deleted: character.deletedAt !== null,
});
