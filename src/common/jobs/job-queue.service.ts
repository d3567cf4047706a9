import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { ShutdownDeadline } from '../lifecycle/shutdown-deadline.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { JobRunOutcome } from '../metrics/service-metrics.js';
import {
  type ClaimedJobRow,
  isUniqueViolation,
  JobRepository,
  type JobRow,
  type JobState,
  type RetryResult,
} from './job.repository.js';

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
  /**
   * With a dedupe key: also a no-op while a job of that key is running, so work that must
   * not overlap itself (a scheduled task) is not queued behind its own run.
   */
  whenIdle?: boolean;
}

/** A dedupe key remembered only when its job waits at least this long (clock skew margin). */
const QUEUED_MARGIN_MS = 1_000;
const QUEUED_MAX_KEYS = 10_000;

/**
 * The dedupe keys this instance queued a delayed job for, until that job is due. A job never
 * starts before it is due (runNow aside, which forgets its key), so until then another
 * enqueue of the key would be the database's no-op: skipping it saves a statement per chat
 * reply (the memory extraction each reply asks for). Only keys whose row this instance added
 * are remembered, with its own clock less a margin; a key queued elsewhere still costs one. A
 * job taken early on this instance (runNow, or its run_at moved) forgets its key; early on
 * another instance only runNow can, which scheduled tasks alone use (never remembered: whenIdle).
 */
export class QueuedKeys {
  private readonly dueAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  keyOf(type: string, dedupeKey: string): string {
    return `${type}\u0000${dedupeKey}`;
  }

  waiting(key: string): boolean {
    const due = this.dueAt.get(key);
    if (due === undefined) return false;
    if (due > this.now()) return true;
    this.dueAt.delete(key);
    return false;
  }

  remember(key: string, delayMs: number): void {
    if (delayMs <= QUEUED_MARGIN_MS) return;
    if (this.dueAt.size >= QUEUED_MAX_KEYS) this.prune();
    this.dueAt.set(key, this.now() + delayMs - QUEUED_MARGIN_MS);
  }

  forget(key: string): void {
    this.dueAt.delete(key);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, due] of this.dueAt) if (due <= now) this.dueAt.delete(key);
    // All still waiting: forgetting costs only a statement each later.
    if (this.dueAt.size >= QUEUED_MAX_KEYS) this.dueAt.clear();
  }
}

const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 60 * 60_000;
const MAX_ERROR_LENGTH = 2_000;

/**
 * How long attempt `attempt` (1, 2, …) waits before the next one: exponential from 5 s up to
 * an hour, jittered over its upper half so jobs that failed together (a provider outage) do
 * not all come back at the same moment, yet never sooner than half the step.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

/** How an attempt ended, as the metrics count it. */
function outcomeOf(row: ClaimedJobRow, failed: boolean, failure: unknown): JobRunOutcome {
  if (!failed) return 'done';
  if (failure instanceof DeferJobError) return 'deferred';
  return failure instanceof PermanentJobError || row.attempts >= row.max_attempts
    ? 'failed'
    : 'retry';
}

/**
 * Durable background work in PostgreSQL (spec 004's job queue), the one mechanism for all of
 * it: mails, translations, chat summaries, the scheduled tasks and the error digest. Jobs
 * survive restarts, are claimed with FOR UPDATE SKIP LOCKED so several instances share the
 * work without doing any twice, and failures retry with jittered exponential backoff until
 * `max_attempts`. A running job's lock is renewed while it works; one whose lock expired (its
 * worker died) is claimed again, and its claim is then the attempt number: the old worker's
 * late report changes nothing. Its SQL is in JobRepository.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly handlers = new Map<string, JobHandler>();
  private readonly queued = new QueuedKeys();
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly jobs: JobRepository,
    private readonly shutdown: ShutdownDeadline,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    // Every type this instance runs shows, at 0 when none waits.
    metrics.jobs.measureQueue(async () => {
      const stats = await this.jobs.dueStats();
      const types = new Set([...this.handlers.keys(), ...stats.map((stat) => stat.type)]);
      return [...types].map(
        (type) =>
          stats.find((stat) => stat.type === type) ?? { type, depth: 0, oldestAgeSeconds: 0 },
      );
    });
  }

  register<P>(type: string, handler: JobHandler<P>): void {
    this.handlers.set(type, handler as JobHandler);
  }

  async enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    const held = options.dedupeKey !== undefined && !options.whenIdle ? this.queued : undefined;
    const key = held?.keyOf(type, options.dedupeKey!);
    if (key !== undefined && held!.waiting(key)) return;
    const added = await this.jobs.insert({
      type,
      payload,
      dedupeKey: options.dedupeKey ?? null,
      maxAttempts: options.maxAttempts ?? 5,
      delayMs,
      whenIdle: options.whenIdle ?? false,
    });
    if (added && key !== undefined) held!.remember(key, delayMs);
  }

  /**
   * Runs the job of (`type`, `dedupeKey`) now, in this call, due or not: the pending one if
   * there is one, else a new one, with `payload` either way. False, running nothing, while a
   * job of that key is running on any instance (or another caller claimed it first).
   */
  async runNow(
    type: string,
    payload: unknown,
    options: { dedupeKey: string; maxAttempts?: number },
  ): Promise<boolean> {
    if ((await this.jobs.runningTypes([type])).size > 0) return false;
    // Its pending job is about to run: the next enqueue of the key must queue anew.
    this.queued.forget(this.queued.keyOf(type, options.dedupeKey));
    await this.enqueue(type, payload, options);
    const job = await this.jobs.claimPending(type, options.dedupeKey, payload, this.lockMs);
    if (!job) return false;
    await this.execute(job);
    return true;
  }

  /** Which of `types` have a job running now on some instance. */
  runningTypes(types: string[]): Promise<Set<string>> {
    return this.jobs.runningTypes(types);
  }

  /** Jobs newest first, without their payloads (admins). */
  page(filter: {
    status?: JobState;
    type?: string;
    offset: number;
    limit: number;
  }): Promise<JobRow[]> {
    return this.jobs.page(filter);
  }

  /** A failed job back in the queue, due now, with all its attempts again (admins). */
  retry(id: string): Promise<RetryResult> {
    return this.jobs.retryFailed(id);
  }

  /** Deletes jobs finished over `days` ago; returns how many went. */
  deleteFinishedOlderThan(days: number): Promise<number> {
    return this.jobs.deleteFinishedOlderThan(days);
  }

  onApplicationBootstrap(): void {
    const interval = this.config.jobs.pollIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => void this.runDue().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  /**
   * Lets the job in progress finish within the shutdown grace period; past it the job is let
   * go, its lock runs out and an instance runs it again.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (!this.running) return;
    await Promise.race([
      this.running.catch(() => undefined),
      delay(this.shutdown.remainingMs(), undefined, { ref: false }),
    ]);
  }

  /** Runs every due job and returns how many ran; tests call it directly. */
  async runDue(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.runAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Starts a run of the due jobs without waiting for the next poll (a fatal error's digest);
   * nothing where the poller is off, as on instances kept free of background work.
   */
  runSoon(): void {
    if (this.config.jobs.pollIntervalMs > 0 && !this.stopped) {
      void this.runDue().catch(() => undefined);
    }
  }

  private get lockMs(): number {
    return this.config.jobs.lockMs;
  }

  /**
   * One job at a time, each claimed just before it runs: background work must not crowd out
   * requests on a 2-core box, and a job claimed ahead would sit with its lock running out
   * (its renewal only starts when it runs) until another instance took it up as well.
   */
  private async runAll(): Promise<number> {
    let total = 0;
    const types = [...this.handlers.keys()];
    if (types.length === 0) return 0;
    for (;;) {
      if (this.stopped) return total;
      const job = await this.jobs.claimDue(types, this.lockMs);
      if (!job) return total;
      // Taken before its time (its run_at moved): what comes next of its key queues anew.
      if (job.dedupe_key !== null) this.queued.forget(this.queued.keyOf(job.type, job.dedupe_key));
      await this.execute(job);
      total++;
    }
  }

  /** Runs the claimed attempt and records how it ended; never throws. */
  private async execute(row: ClaimedJobRow): Promise<void> {
    const handler = this.handlers.get(row.type)!;
    const job: Job = {
      id: row.id,
      type: row.type,
      payload: row.payload,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    };
    const renewal = setInterval(() => {
      this.jobs.renewLock(row, this.lockMs).catch((error: Error) => {
        this.logger.warn(`Job ${row.type}#${row.id} lock not renewed: ${error.message}`);
      });
    }, this.lockMs / 3);
    renewal.unref();
    const started = performance.now();
    let failure: unknown;
    let failed = false;
    try {
      await handler(job.payload, job);
    } catch (error) {
      failure = error;
      failed = true;
    } finally {
      clearInterval(renewal);
    }
    this.metrics.jobs.ran(
      row.type,
      outcomeOf(row, failed, failure),
      (performance.now() - started) / 1000,
    );
    try {
      if (!failed) await this.jobs.markDone(row);
      else await this.recordFailure(row, failure);
    } catch (error) {
      // The database out of reach: the job's lock expires and it runs again later.
      this.logger.warn(`Job ${row.type}#${row.id} not recorded: ${(error as Error).message}`);
    }
  }

  private async recordFailure(row: ClaimedJobRow, failure: unknown): Promise<void> {
    const message = (failure instanceof Error ? failure.message : String(failure)).slice(
      0,
      MAX_ERROR_LENGTH,
    );
    const label = `Job ${row.type}#${row.id}`;
    try {
      if (failure instanceof DeferJobError) {
        this.logger.log(`${label} deferred to ${failure.runAt.toISOString()}: ${message}`);
        await this.jobs.defer(row, message, failure.runAt);
        return;
      }
      const final = failure instanceof PermanentJobError || row.attempts >= row.max_attempts;
      const delayMs = retryDelayMs(row.attempts);
      this.logger.warn(
        `${label} attempt ${row.attempts}/${row.max_attempts} failed: ${message}` +
          (final ? ' (giving up)' : ` (retry in ${Math.round(delayMs / 1000)} s)`),
      );
      if (final) await this.jobs.markFailed(row, message);
      else await this.jobs.retryLater(row, message, delayMs);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A newer job of the same dedupe key was queued meanwhile (the text was edited again):
      // it does this work, so this one ends here.
      await this.jobs.markFailed(
        row,
        `${message} (superseded by a newer job)`.slice(0, MAX_ERROR_LENGTH),
      );
    }
  }
}
