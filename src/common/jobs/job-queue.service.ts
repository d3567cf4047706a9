import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';

export interface Job<P = unknown> {
  id: string;
  type: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
}

export type JobHandler<P = unknown> = (payload: P, job: Job<P>) => Promise<void>;

/** Thrown by a handler whose job cannot succeed by retrying: it fails at once. */
export class PermanentJobError extends Error {}

/**
 * Thrown by a handler that may not run now (a daily cap or budget is spent): the job waits
 * until `runAt` without using up an attempt.
 */
export class DeferJobError extends Error {
  constructor(
    message: string,
    readonly runAt: Date,
  ) {
    super(message);
  }
}

export interface EnqueueOptions {
  /** At most one pending job per (type, dedupeKey); a second enqueue is a no-op. */
  dedupeKey?: string;
  delayMs?: number;
  maxAttempts?: number;
}

interface JobRow {
  id: string;
  type: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

/** SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = '23505';
const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 60 * 60_000;

/**
 * Durable background work in PostgreSQL (spec 004's job queue): jobs survive restarts, are
 * claimed with FOR UPDATE SKIP LOCKED so several instances share the work without doing any
 * twice, and failures retry with exponential backoff until `max_attempts`. A running job's
 * lock is renewed while it works; one whose lock expired (its worker died) is claimed again,
 * and its claim is then the attempt number: the old worker's late report changes nothing.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly handlers = new Map<string, JobHandler>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  register<P>(type: string, handler: JobHandler<P>): void {
    this.handlers.set(type, handler as JobHandler);
  }

  async enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO job (type, payload, dedupe_key, max_attempts, run_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision / 1000))
       ON CONFLICT (type, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL
       DO NOTHING`,
      [
        type,
        JSON.stringify(payload),
        options.dedupeKey ?? null,
        options.maxAttempts ?? 5,
        options.delayMs ?? 0,
      ],
    );
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

  onApplicationBootstrap(): void {
    const interval = this.config.jobs.pollIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => void this.runDue().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Runs every due job and returns how many ran; tests call it directly. */
  async runDue(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.runAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * One job at a time, each claimed just before it runs: background work must not crowd out
   * requests on a 2-core box, and a job claimed ahead would sit with its lock running out
   * (its renewal only starts when it runs) until another instance took it up as well.
   */
  private async runAll(): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const job = await this.claim();
      if (!job) return total;
      await this.execute(job).catch((error: Error) => {
        // The database out of reach: the job's lock expires and it runs again later.
        this.logger.warn(`Job ${job.type}#${job.id} not recorded: ${error.message}`);
      });
      total++;
    }
  }

  /** The oldest due job, now running as this worker's attempt; undefined when none is due. */
  private async claim(): Promise<JobRow | undefined> {
    const types = [...this.handlers.keys()];
    if (types.length === 0) return undefined;
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
       RETURNING id, type, payload, attempts, max_attempts`,
      [types, this.config.jobs.lockMs],
    )) as [JobRow[], number];
    return rows[0];
  }

  private async execute(row: JobRow): Promise<void> {
    const handler = this.handlers.get(row.type)!;
    const job: Job = {
      id: row.id,
      type: row.type,
      payload: row.payload,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    };
    const lockMs = this.config.jobs.lockMs;
    const renewal = setInterval(() => {
      this.dataSource
        .query(
          `UPDATE job SET locked_until = now() + make_interval(secs => $3::double precision / 1000)
           WHERE id = $1 AND status = 'running' AND attempts = $2`,
          [row.id, row.attempts, lockMs],
        )
        .catch((error: Error) => {
          this.logger.warn(`Job ${row.type}#${row.id} lock not renewed: ${error.message}`);
        });
    }, lockMs / 3);
    renewal.unref();
    let failure: string | null = null;
    let permanent = false;
    let deferUntil: Date | undefined;
    try {
      await handler(job.payload, job);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      permanent = error instanceof PermanentJobError;
      if (error instanceof DeferJobError) deferUntil = error.runAt;
    } finally {
      clearInterval(renewal);
    }
    if (failure === null) {
      await this.report(row, `status = 'done', last_error = NULL`, []);
      return;
    }
    if (deferUntil) {
      this.logger.log(
        `Job ${row.type}#${row.id} deferred to ${deferUntil.toISOString()}: ${failure}`,
      );
      await this.requeue(row, failure.slice(0, 2000), `attempts = attempts - 1, run_at = $4`, [
        deferUntil,
      ]);
      return;
    }
    const final = permanent || row.attempts >= row.max_attempts;
    const backoffMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (row.attempts - 1));
    this.logger.warn(
      `Job ${row.type}#${row.id} attempt ${row.attempts}/${row.max_attempts} failed: ${failure}` +
        (final ? ' (giving up)' : ` (retry in ${Math.round(backoffMs / 1000)} s)`),
    );
    const lastError = failure.slice(0, 2000);
    if (final) {
      await this.report(row, `status = 'failed', last_error = $3`, [lastError]);
      return;
    }
    await this.requeue(
      row,
      lastError,
      `run_at = now() + make_interval(secs => $4::double precision / 1000)`,
      [backoffMs],
    );
  }

  /** Puts the job back in the queue with `changes` ($4…), unless a newer one took its place. */
  private async requeue(
    row: JobRow,
    lastError: string,
    changes: string,
    params: unknown[],
  ): Promise<void> {
    try {
      await this.report(row, `status = 'pending', last_error = $3, ${changes}`, [
        lastError,
        ...params,
      ]);
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code !== UNIQUE_VIOLATION) {
        throw error;
      }
      // A newer job of the same dedupe key was queued meanwhile (the text was edited again):
      // it does this work, so this one ends here.
      await this.report(row, `status = 'failed', last_error = $3`, [
        `${lastError} (superseded by a newer job)`.slice(0, 2000),
      ]);
    }
  }

  /** Records how the claimed attempt `row` ended, unless the job was claimed again since. */
  private async report(row: JobRow, changes: string, params: unknown[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE job SET ${changes}, locked_until = NULL, updated_at = now()
       WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [row.id, row.attempts, ...params],
    );
  }
}
