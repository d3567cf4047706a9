import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, In, type Repository } from 'typeorm';
import { CharacterEntity } from './entities/character.entity.js';
import { ReportEntity, type ReportStatus } from './entities/report.entity.js';
import { rowsToRead } from '../common/pagination.js';

export interface ReportFilter {
  status?: ReportStatus;
  offset: number;
  limit: number;
}

/** The moderation side of reports (CharactersRepository files them). */
@Injectable()
export class ReportsRepository {
  constructor(
    @InjectRepository(ReportEntity) private readonly reports: Repository<ReportEntity>,
    @InjectRepository(CharacterEntity) private readonly characters: Repository<CharacterEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Newest first (ix_report_status_recent, or ix_report_recent without a status), plus one row
   * so the caller knows whether more follow.
   */
  page(filter: ReportFilter): Promise<ReportEntity[]> {
    return this.reports.find({
      where: filter.status ? { status: filter.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: filter.offset,
      take: rowsToRead(filter.limit),
    });
  }

  findById(id: string): Promise<ReportEntity | null> {
    return this.reports.findOneBy({ id });
  }

  /** Deleted characters too: a report outlives the soft delete of what it is about. */
  charactersByIds(ids: string[]): Promise<CharacterEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.characters.find({ where: { id: In(ids) }, withDeleted: true });
  }

  /**
   * Records the decision and, when asked (`takedownReason` gives the owner's explanation),
   * takes the character down, together. A second takedown keeps the first one's time.
   */
  async moderate(
    id: string,
    changes: Pick<ReportEntity, 'status'> & Partial<Pick<ReportEntity, 'resolutionNote'>>,
    takedownReason: ((report: ReportEntity) => string) | null,
  ): Promise<ReportStatus | null> {
    return this.dataSource.transaction(async (manager) => {
      const report = await manager.findOneBy(ReportEntity, { id });
      if (!report) return null;
      await manager.update(ReportEntity, { id }, changes);
      if (takedownReason) {
        await manager.query(
          `UPDATE character SET is_public = false, taken_down_at = COALESCE(taken_down_at, now()),
                  takedown_reason = $2
           WHERE id = $1`,
          [report.characterId, takedownReason(report)],
        );
      }
      return report.status;
    });
  }
}
