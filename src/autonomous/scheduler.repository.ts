import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { KeyValueRepository } from '../common/settings/key-value.repository.js';

/** First key of every task lock ("AUTO"); the second is hashtext(task name). */
const LOCK_NAMESPACE = 0x4155544f;
const STATE_PREFIX = 'scheduler.';

/** Persisted per task under `scheduler.<task>` (spec: scheduler state in prompt_templates). */
export interface TaskState {
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastStatus: 'ok' | 'failed' | null;
  lastResult: Record<string, unknown> | null;
  lastError: string | null;
  nextDueAt: string | null;
  runCount: number;
}

export const EMPTY_TASK_STATE: TaskState = {
  lastStartedAt: null,
  lastFinishedAt: null,
  lastStatus: null,
  lastResult: null,
  lastError: null,
  nextDueAt: null,
  runCount: 0,
};

/**
 * Task state and the cross-instance task lock. The lock is a transaction-scoped PostgreSQL
 * advisory lock held by one pooled connection for the whole run: whichever instance takes it
 * runs the task, the others skip it, and it is released when the transaction ends — also when
 * the process dies, since the connection goes with it.
 */
@Injectable()
export class SchedulerRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: KeyValueRepository,
  ) {}

  async state(task: string): Promise<TaskState> {
    const raw = await this.store.get(STATE_PREFIX + task);
    return raw
      ? { ...EMPTY_TASK_STATE, ...(JSON.parse(raw) as Partial<TaskState>) }
      : EMPTY_TASK_STATE;
  }

  async saveState(task: string, state: TaskState): Promise<void> {
    await this.store.set(STATE_PREFIX + task, JSON.stringify(state));
  }

  /** Runs `work` holding the task's lock; undefined without running it when another holds it. */
  async withLock<T>(task: string, work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // A run can last minutes with this transaction idle: a server-wide idle timeout must not
      // end it (and with it the lock) halfway.
      await runner.query(`SET LOCAL idle_in_transaction_session_timeout = 0`);
      const [{ locked }] = (await runner.query(
        `SELECT pg_try_advisory_xact_lock($1::int, hashtext($2)) AS locked`,
        [LOCK_NAMESPACE, task],
      )) as Array<{ locked: boolean }>;
      return locked ? await work() : undefined;
    } finally {
      // Nothing was written in this transaction: ending it only releases the lock.
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  /** Which of these tasks some instance is running now (its lock is held). */
  async running(tasks: string[]): Promise<Set<string>> {
    const rows = (await this.dataSource.query(
      `SELECT name FROM unnest($2::text[]) AS name
       WHERE EXISTS (
         SELECT 1 FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = $1::int::oid AND l.objid = hashtext(name)::oid)`,
      [LOCK_NAMESPACE, tasks],
    )) as Array<{ name: string }>;
    return new Set(rows.map((row) => row.name));
  }
}
