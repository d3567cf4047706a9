import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** What is counted per subject and UTC day besides messages. */
export type AllowanceKind = 'translation' | 'draft';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Daily caps on LLM work a user can trigger besides chatting (translations of their
 * characters, AI drafts), kept beside the message counts in `message_quota` (subjects
 * `translation:<user id>`, `draft:<user id>`; the quota cleanup removes old days). One atomic
 * statement each, so parallel requests never overshoot.
 */
@Injectable()
export class DailyAllowanceService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Takes one of today's `limit` for this user; false when none is left. */
  async take(kind: AllowanceKind, userId: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO message_quota (subject, period, used) VALUES ($1, $2, 1)
       ON CONFLICT (subject, period) DO UPDATE
         SET used = message_quota.used + 1, updated_at = now()
         WHERE message_quota.used < $3
       RETURNING used`,
      [`${kind}:${userId}`, today(), limit],
    );
    return rows.length > 0;
  }

  /** Gives back one taken today (the work produced nothing). */
  async giveBack(kind: AllowanceKind, userId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE message_quota SET used = used - 1, updated_at = now()
       WHERE subject = $1 AND period = $2 AND used > 0`,
      [`${kind}:${userId}`, today()],
    );
  }
}
