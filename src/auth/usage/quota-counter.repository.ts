import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import { PreparedStatement } from '../../database/prepared-statement.js';

// Committed without waiting for the WAL flush (~3 ms on every send): a database crash
// could forget the last few counts, which only lets a message or two more through.
const TAKE = `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
  INSERT INTO message_quota (subject, period, used)
  SELECT $1::text, $2::text, 1 FROM async_commit
  ON CONFLICT (subject, period) DO UPDATE
    SET used = message_quota.used + 1, updated_at = now()
    WHERE message_quota.used < $3
  RETURNING used`;

const USED = `SELECT used FROM message_quota WHERE subject = $1 AND period = $2`;

const GIVE_BACK = `UPDATE message_quota SET used = used - 1, updated_at = now()
  WHERE subject = $1 AND period = $2 AND used > 0`;

/** Rows the daily cleanup deletes per statement: short statements, little lock time. */
const CLEANUP_BATCH = 10_000;

/**
 * The counters behind every per-subject limit in `message_quota` (messages, translations,
 * drafts): one statement each, so parallel requests at the edge never overshoot.
 */
@Injectable()
export class QuotaCounterRepository {
  private readonly takeStatement: PreparedStatement<{ used: number }>;
  private readonly giveBackStatement: PreparedStatement;
  private readonly usedStatement: PreparedStatement<{ used: number }>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.takeStatement = new PreparedStatement(dataSource, 'quota_take', TAKE);
    this.giveBackStatement = new PreparedStatement(dataSource, 'quota_give_back', GIVE_BACK);
    this.usedStatement = new PreparedStatement(dataSource, 'quota_used', USED);
  }

  /** Counts one for `subject` in `period` unless `limit` are counted: the new count, or null. */
  async take(subject: string, period: string, limit: number): Promise<number | null> {
    const rows = await this.takeStatement.rows([subject, period, limit]);
    return rows[0]?.used ?? null;
  }

  /** How many are counted for `subject` in `period` (0 when nothing is). */
  async used(subject: string, period: string): Promise<number> {
    const rows = await this.usedStatement.rows([subject, period]);
    return rows[0]?.used ?? 0;
  }

  /** Gives one back (the work it paid for produced nothing). */
  async giveBack(subject: string, period: string): Promise<void> {
    await this.giveBackStatement.rows([subject, period]);
  }

  /**
   * Deletes days' counts last changed before `before`, and guests' ('all') ones last changed
   * before that and `guestIdleDays` before `now`, in batches by the updated_at index; returns
   * how many went.
   */
  async deleteIdle(before: Date, now: Date, guestIdleDays: number): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM message_quota WHERE ctid IN (
         SELECT ctid FROM message_quota
         WHERE updated_at < $1
           AND (period <> 'all' OR updated_at < $2::timestamptz - make_interval(days => $3))
         LIMIT $4)`,
      [before, now, guestIdleDays],
      CLEANUP_BATCH,
    );
  }
}
