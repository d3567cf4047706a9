import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** What a raise asks to be mailed: a condition that began, or one still on. */
export type RaiseResult = 'opened' | 'reminder';

/**
 * The admin_alert table: one row per condition admins are mailed about. Each call is one
 * statement on the row, so when several instances see the same condition only one of them
 * gets to mail about it.
 */
@Injectable()
export class AdminAlertRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Marks `key` on as of `now` when no alert mail about it went out in the last `quietMs`:
   * 'opened' when it was off (or never seen), 'reminder' when it was on all along; undefined
   * when it was mailed too recently (nothing changes then).
   */
  async raise(key: string, now: Date, quietMs: number): Promise<RaiseResult | undefined> {
    // An INSERT answers with its rows alone (an UPDATE also with its count).
    const rows = await this.dataSource.query<Array<{ opened: boolean }>>(
      `INSERT INTO admin_alert AS alert (key, opened_at, mailed_at) VALUES ($1, $2, $2)
       ON CONFLICT (key) DO UPDATE SET
         opened_at = CASE WHEN alert.resolved_at IS NULL THEN alert.opened_at ELSE $2 END,
         mailed_at = $2,
         resolved_at = NULL
       WHERE alert.mailed_at <= $2::timestamptz - make_interval(secs => $3::double precision / 1000)
       RETURNING opened_at = $2 AS opened`,
      [key, now, quietMs],
    );
    const [row] = rows;
    return row ? (row.opened ? 'opened' : 'reminder') : undefined;
  }

  /** Marks `key` off; the time it came on when this call ended it, else undefined. */
  async resolve(key: string, now: Date): Promise<Date | undefined> {
    const [rows] = (await this.dataSource.query(
      `UPDATE admin_alert SET resolved_at = $2
       WHERE key = $1 AND resolved_at IS NULL
       RETURNING opened_at`,
      [key, now],
    )) as [Array<{ opened_at: Date }>, number];
    return rows[0]?.opened_at;
  }
}
