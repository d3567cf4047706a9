/**
 * Replays races between statements on row locks, against the real database of a test app or
 * a medium module.
 */
import type { TestApp } from './test-app.js';

type WithDatabase = Pick<TestApp, 'dataSource'>;

/** Resolves once `count` statements of the app's database wait for a lock. */
export async function lockWaiters(t: WithDatabase, count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await t.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (row.n === count) return;
    if (Date.now() > deadline) throw new Error(`${row.n} statements wait for a lock, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Replays the interleaving in which two statements deadlock if they lock rows in opposite
 * orders: a transaction holds the rows `hold` locks, `first` starts and waits for them, then
 * `second` starts and waits too, then the rows are let go. Resolves with how each side ended
 * (PostgreSQL breaks a deadlock by failing one of them, after its deadlock_timeout).
 */
export async function replayLockRace<A, B>(
  t: WithDatabase,
  steps: { hold: [string, unknown[]]; first: () => Promise<A>; second: () => Promise<B> },
): Promise<{ first: PromiseSettledResult<A>; second: PromiseSettledResult<B> }> {
  const holder = t.dataSource.createQueryRunner();
  const waiting = (count: number) => lockWaiters(t, count);
  try {
    await holder.startTransaction();
    await holder.query(...steps.hold);
    const first = steps.first();
    await waiting(1);
    const second = steps.second();
    await waiting(2);
    await holder.commitTransaction();
    const [firstEnded, secondEnded] = await Promise.allSettled([first, second]);
    return { first: firstEnded, second: secondEnded };
  } finally {
    if (holder.isTransactionActive) await holder.rollbackTransaction();
    await holder.release();
  }
}
