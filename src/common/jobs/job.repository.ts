import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import { rowsToRead } from '../pagination.js';

export const JOB_STATES = ['pending', 'running', 'done', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job as a worker claims it: the attempt it now runs is `attempts`. */
export interface ClaimedJobRow {
  id: string;
  type: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  dedupe_key: string | null;
}

/** A job as admins see it; never its payload, which may hold what users typed. */
export interface JobRow {
  id: string;
  type: string;
  status: JobState;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: Date;
  created_at: Date;
  updated_at: Date;
}

export interface NewJob {
  type: string;
  payload: unknown;
  dedupeKey: string | null;
  maxAttempts: number;
  delayMs: number;
  /** Also nothing while a job of the same dedupe key is running (or its worker died in it). */
  whenIdle: boolean;
}

export type RetryResult =
  | { outcome: 'retried'; job: JobRow; previousAttempts: number }
  | { outcome: 'not_found' }
  | { outcome: 'not_failed'; status: JobState }
  | { outcome: 'duplicate' };

/** SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = '23505';

export const isUniqueViolation = (error: unknown): boolean =>
  (error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION;

const LIST_COLUMNS = `id, type, status, attempts, max_attempts, last_error, run_at, created_at,
  updated_at`;
const CLAIMED_COLUMNS = `id, type, payload, attempts, max_attempts, dedupe_key`;

/**
 * The job table's SQL. Every report of how an attempt ended names the attempt (`attempts`)
 * and changes nothing unless the job is still running as that attempt: a worker whose lock
 * expired, and whose job was taken up again, cannot overwrite the newer attempt's outcome.
 */
@Injectable()
export class JobRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Queues a job; a no-op when its dedupe key already has a pending one (uq_job_dedupe).
   * Whether a row was added.
   */
  async insert(job: NewJob): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO job (type, payload, dedupe_key, max_attempts, run_at)
       SELECT $1::text, $2::jsonb, $3::text, $4::int,
              now() + make_interval(secs => $5::double precision / 1000)
       WHERE NOT ($6::boolean AND EXISTS (
         SELECT 1 FROM job WHERE type = $1 AND dedupe_key = $3 AND status = 'running'))
       ON CONFLICT (type, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL
       DO NOTHING
       RETURNING id`,
      [
        job.type,
        JSON.stringify(job.payload),
        job.dedupeKey,
        job.maxAttempts,
        job.delayMs,
        job.whenIdle,
      ],
    );
    return rows.length > 0;
  }

  /**
   * The oldest due job of `types`, now running as the caller's attempt with its lock for
   * `lockMs`; undefined when none is due.
   */
  async claimDue(types: string[], lockMs: number): Promise<ClaimedJobRow | undefined> {
    const [rows] = (await this.dataSource.query(
      // In the same round trip, a job whose worker died on its last attempt (it may be what
      // killed it) ends instead of being taken up forever; the two never touch the same row.
      `WITH given_up AS (
         UPDATE job SET status = 'failed', locked_until = NULL, updated_at = now(),
                last_error = 'its worker stopped during the last attempt'
         WHERE status = 'running' AND locked_until < now() AND attempts >= max_attempts
           AND type = ANY($1))
       UPDATE job SET status = 'running', attempts = attempts + 1, updated_at = now(),
              locked_until = now() + make_interval(secs => $2::double precision / 1000)
       WHERE id IN (
         SELECT id FROM job
         WHERE type = ANY($1)
           AND ((status = 'pending' AND run_at <= now())
                OR (status = 'running' AND locked_until < now() AND attempts < max_attempts))
         ORDER BY run_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING ${CLAIMED_COLUMNS}`,
      [types, lockMs],
    )) as [ClaimedJobRow[], number];
    return rows[0];
  }

  /**
   * The pending job of (`type`, `dedupeKey`), due or not, now running as the caller's attempt
   * with `payload`; undefined when there is none or another worker is claiming it.
   */
  async claimPending(
    type: string,
    dedupeKey: string,
    payload: unknown,
    lockMs: number,
  ): Promise<ClaimedJobRow | undefined> {
    const [rows] = (await this.dataSource.query(
      `UPDATE job SET status = 'running', attempts = attempts + 1, updated_at = now(),
              payload = $3::jsonb,
              locked_until = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id IN (
         SELECT id FROM job
         WHERE type = $1 AND dedupe_key = $2 AND status = 'pending'
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING ${CLAIMED_COLUMNS}`,
      [type, dedupeKey, JSON.stringify(payload), lockMs],
    )) as [ClaimedJobRow[], number];
    return rows[0];
  }

  /** Per type with any, the pending jobs that are due and how long the oldest has been (metrics). */
  async dueStats(): Promise<Array<{ type: string; depth: number; oldestAgeSeconds: number }>> {
    const rows = await this.dataSource.query<
      Array<{ type: string; depth: number; oldest_age_seconds: number }>
    >(
      `SELECT type, count(*)::int AS depth,
              extract(epoch FROM now() - min(run_at))::float8 AS oldest_age_seconds
       FROM job WHERE status = 'pending' AND run_at <= now()
       GROUP BY type`,
    );
    return rows.map((row) => ({
      type: row.type,
      depth: row.depth,
      oldestAgeSeconds: Math.max(0, row.oldest_age_seconds),
    }));
  }

  /** Which of `types` have a job running now, its worker alive (lock not expired). */
  async runningTypes(types: string[]): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ type: string }>>(
      `SELECT DISTINCT type FROM job
       WHERE status = 'running' AND locked_until >= now() AND type = ANY($1)`,
      [types],
    );
    return new Set(rows.map((row) => row.type));
  }

  async renewLock(job: ClaimedJobRow, lockMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE job SET locked_until = now() + make_interval(secs => $3::double precision / 1000)
       WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [job.id, job.attempts, lockMs],
    );
  }

  async markDone(job: ClaimedJobRow): Promise<void> {
    await this.dataSource.query(
      `UPDATE job SET status = 'done', last_error = NULL, locked_until = NULL, updated_at = now()
       WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [job.id, job.attempts],
    );
  }

  async markFailed(job: ClaimedJobRow, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE job SET status = 'failed', last_error = $3, locked_until = NULL, updated_at = now()
       WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [job.id, job.attempts, error],
    );
  }

  /**
   * Back to pending, due in `delayMs`. Throws a unique violation when a newer job of the same
   * dedupe key is pending meanwhile.
   */
  async retryLater(job: ClaimedJobRow, error: string, delayMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE job SET status = 'pending', last_error = $3, locked_until = NULL, updated_at = now(),
              run_at = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [job.id, job.attempts, error, delayMs],
    );
  }

  /** Back to pending until `runAt`, giving the attempt back; throws as retryLater does. */
  async defer(job: ClaimedJobRow, reason: string, runAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE job SET status = 'pending', last_error = $3, locked_until = NULL, updated_at = now(),
              attempts = attempts - 1, run_at = $4
       WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [job.id, job.attempts, reason, runAt],
    );
  }

  /** Jobs newest first, `limit` from `offset` plus one row, of one state and type when given. */
  async page(filter: {
    status?: JobState;
    type?: string;
    offset: number;
    limit: number;
  }): Promise<JobRow[]> {
    return this.dataSource.query<JobRow[]>(
      `SELECT ${LIST_COLUMNS} FROM job
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)
       ORDER BY id DESC
       OFFSET $3 LIMIT $4`,
      [filter.status ?? null, filter.type ?? null, filter.offset, rowsToRead(filter.limit)],
    );
  }

  /** A failed job pending again, now, with its attempts reset (admins). */
  async retryFailed(id: string): Promise<RetryResult> {
    try {
      const [rows] = (await this.dataSource.query(
        `WITH previous AS (
           SELECT id AS previous_id, attempts AS previous_attempts FROM job WHERE id = $1)
         UPDATE job SET status = 'pending', attempts = 0, run_at = now(), locked_until = NULL,
                updated_at = now()
         FROM previous
         WHERE id = previous_id AND status = 'failed'
         RETURNING ${LIST_COLUMNS}, previous_attempts`,
        [id],
      )) as [Array<JobRow & { previous_attempts: number }>, number];
      const [row] = rows;
      if (row) {
        const { previous_attempts: previousAttempts, ...job } = row;
        return { outcome: 'retried', job, previousAttempts };
      }
    } catch (error) {
      // Its dedupe key has a pending job already: that one does the work.
      if (isUniqueViolation(error)) return { outcome: 'duplicate' };
      throw error;
    }
    const [current] = await this.dataSource.query<Array<{ status: JobState }>>(
      `SELECT status FROM job WHERE id = $1`,
      [id],
    );
    return current ? { outcome: 'not_failed', status: current.status } : { outcome: 'not_found' };
  }

  /**
   * Deletes jobs finished (done or failed) over `days` ago, 10,000 per statement so no single
   * delete holds its locks long; returns how many went.
   */
  async deleteFinishedOlderThan(days: number): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM job WHERE id IN (
         SELECT id FROM job
         WHERE status IN ('done', 'failed') AND updated_at < now() - make_interval(days => $1)
         LIMIT $2)`,
      [days],
      10_000,
    );
  }
}
