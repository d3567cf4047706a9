import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Language } from '../common/languages.js';
import { deleteInBatches } from '../database/delete-in-batches.js';

export interface PageView {
  characterId: string;
  lang: Language | null;
  viewedAt: Date;
}

/** Page views deleted per statement by the daily cleanup. */
const DELETE_BATCH = 10_000;

@Injectable()
export class PageViewsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One statement for the whole batch; views of characters deleted meanwhile are dropped. */
  async insertMany(views: PageView[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO page_view (character_id, lang, viewed_at)
       SELECT v.character_id, v.lang, v.viewed_at
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS v(character_id, lang, viewed_at)
       WHERE EXISTS (SELECT 1 FROM character c WHERE c.id = v.character_id)`,
      [
        views.map((view) => view.characterId),
        views.map((view) => view.lang),
        views.map((view) => view.viewedAt),
      ],
    );
  }

  /**
   * In batches: a day's views, or a backlog of months on a first run, in one statement would
   * be one long transaction and a burst of WAL.
   */
  async deleteBefore(cutoff: Date): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM page_view WHERE ctid IN (
         SELECT ctid FROM page_view WHERE viewed_at < $1 LIMIT $2)`,
      [cutoff],
      DELETE_BATCH,
    );
  }
}
