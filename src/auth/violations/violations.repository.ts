import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ViolationKind } from './violation-policy.js';
import { rowsToRead } from '../../common/pagination.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';

/** A row of `ban`, with the banned user's email when it is a user's. */
export interface BanRow {
  id: string;
  subject: string;
  user_id: string | null;
  email: string | null;
  strike: number;
  reason: ViolationKind;
  banned_at: Date;
  banned_until: Date;
  lifted_at: Date | null;
  lifted_by: string | null;
}

/** A ban as every instance keeps it in memory: its subject and how long it lasts. */
export interface ActiveBan {
  subject: string;
  until: Date;
}

export interface Score {
  points: number;
  strikes: number;
}

export interface NewBan {
  subject: string;
  userId: string | null;
  reason: ViolationKind;
  /** Points the score must still hold (another instance may have banned for them already). */
  threshold: number;
  now: Date;
  /** How long the ban lasts, given the strike it will be (1 = first). */
  durationMs: (strike: number) => number;
}

const BAN_COLUMNS = `ban.id, ban.subject, ban.user_id, app_user.email, ban.strike, ban.reason,
  ban.banned_at, ban.banned_until, ban.lifted_at, ban.lifted_by`;

/** Every query on violation_score and ban. Times come from the caller (PenaltyClock). */
@Injectable()
export class ViolationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds `points` to `subject`'s score, in one statement whatever other instances do; a score
   * without violations since `pointsSince` starts again from zero, and its strikes since
   * `strikesSince` too. The new score.
   */
  async addPoints(
    subject: string,
    points: number,
    now: Date,
    pointsSince: Date,
    strikesSince: Date,
  ): Promise<Score> {
    const [row] = await this.dataSource.query<Score[]>(
      `INSERT INTO violation_score AS score (subject, points, last_violation_at)
       VALUES ($1, $2, $3)
       ON CONFLICT (subject) DO UPDATE SET
         points = CASE WHEN score.last_violation_at < $4 THEN 0 ELSE score.points END + $2,
         strikes = CASE WHEN score.last_violation_at < $5 THEN 0 ELSE score.strikes END,
         last_violation_at = GREATEST(score.last_violation_at, $3)
       RETURNING points, strikes`,
      [subject, points, now, pointsSince, strikesSince],
    );
    return row;
  }

  /** Deletes the scores without a violation since `before`; how many. */
  deleteIdleSince(before: Date): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM violation_score WHERE subject IN (
         SELECT subject FROM violation_score WHERE last_violation_at < $1 LIMIT $2)`,
      [before],
      10_000,
    );
  }

  /**
   * Turns a score at or past `threshold` into a ban: the points start again and the strikes
   * go up by one, in the transaction that writes the ban. Null when the score is under the
   * threshold by now (a concurrent call banned for the same points).
   */
  async ban(ban: NewBan): Promise<BanRow | null> {
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE violation_score SET points = 0, strikes = strikes + 1
         WHERE subject = $1 AND points >= $2
         RETURNING strikes`,
        [ban.subject, ban.threshold],
      )) as [Array<{ strikes: number }>, number];
      if (!rows[0]) return null;
      const strike = rows[0].strikes;
      const until = new Date(ban.now.getTime() + ban.durationMs(strike));
      const [{ id }] = await manager.query<Array<{ id: string }>>(
        `INSERT INTO ban (subject, user_id, strike, reason, banned_at, banned_until)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id`,
        [ban.subject, ban.userId, strike, ban.reason, ban.now, until],
      );
      const [row] = await manager.query<BanRow[]>(
        `SELECT ${BAN_COLUMNS} FROM ban LEFT JOIN app_user ON app_user.id = ban.user_id
         WHERE ban.id = $1`,
        [id],
      );
      return row;
    });
  }

  /** The bans in force at `now`, the latest end per subject (ix_ban_active). */
  active(now: Date, limit: number): Promise<ActiveBan[]> {
    return this.dataSource.query<ActiveBan[]>(
      `SELECT subject, max(banned_until) AS until FROM ban
       WHERE lifted_at IS NULL AND banned_until > $1
       GROUP BY subject
       ORDER BY until DESC
       LIMIT $2`,
      [now, limit],
    );
  }

  /** The bans in force at `now`, newest first, plus one row to flag more. */
  pageActive(now: Date, offset: number, limit: number): Promise<BanRow[]> {
    return this.dataSource.query<BanRow[]>(
      `SELECT ${BAN_COLUMNS} FROM ban LEFT JOIN app_user ON app_user.id = ban.user_id
       WHERE ban.lifted_at IS NULL AND ban.banned_until > $1
       ORDER BY ban.banned_at DESC, ban.id DESC
       OFFSET $2 LIMIT $3`,
      [now, offset, rowsToRead(limit)],
    );
  }

  async findById(id: string): Promise<BanRow | null> {
    const [row] = await this.dataSource.query<BanRow[]>(
      `SELECT ${BAN_COLUMNS} FROM ban LEFT JOIN app_user ON app_user.id = ban.user_id
       WHERE ban.id = $1`,
      [id],
    );
    return row ?? null;
  }

  /**
   * Lifts a ban still in force at `now`; its subject's points start again and the ban no
   * longer counts as a strike (a ban lifted as a mistake should not lengthen the next one).
   * The lifted ban, or null when it was not in force.
   */
  async lift(id: string, adminId: string, now: Date): Promise<BanRow | null> {
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE ban SET lifted_at = $2, lifted_by = $3
         WHERE id = $1 AND lifted_at IS NULL AND banned_until > $2
         RETURNING subject`,
        [id, now, adminId],
      )) as [Array<{ subject: string }>, number];
      if (!rows[0]) return null;
      await manager.query(
        `UPDATE violation_score SET points = 0, strikes = GREATEST(strikes - 1, 0)
         WHERE subject = $1`,
        [rows[0].subject],
      );
      const [row] = await manager.query<BanRow[]>(
        `SELECT ${BAN_COLUMNS} FROM ban LEFT JOIN app_user ON app_user.id = ban.user_id
         WHERE ban.id = $1`,
        [id],
      );
      return row;
    });
  }
}
