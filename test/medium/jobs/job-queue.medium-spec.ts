import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobQueue } from '../../../src/common/jobs/job-queue.service.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';

interface JobState {
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('durable job queue', () => {
  let first: MediumModule;
  let second: MediumModule;

  /** A running job's lock lasts a second here, renewed every third of it. */
  const LOCK_MS = 1000;

  beforeAll(async () => {
    const env = { JOBS_LOCK_MS: String(LOCK_MS) };
    first = await createMediumModule({ env });
    second = await createMediumModule({ env, databaseUrl: first.databaseUrl });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const jobs = (type: string) =>
    first.dataSource.query<JobState[]>(
      `SELECT status, attempts, last_error FROM job WHERE type = $1 ORDER BY id`,
      [type],
    );

  it('runs a job once and records it as done', async () => {
    const queue = first.app.get(JobQueue);
    const seen: unknown[] = [];
    queue.register('test.once', async (payload) => void seen.push(payload));
    await queue.enqueue('test.once', { n: 1 });
    expect(await queue.runDue()).toBe(1);
    expect(await queue.runDue()).toBe(0);
    expect(seen).toEqual([{ n: 1 }]);
    expect(await jobs('test.once')).toEqual([{ status: 'done', attempts: 1, last_error: null }]);
  });

  it('keeps one pending job per dedupe key', async () => {
    const queue = first.app.get(JobQueue);
    await queue.enqueue('test.dedupe', { v: 1 }, { dedupeKey: 'k' });
    await queue.enqueue('test.dedupe', { v: 2 }, { dedupeKey: 'k' });
    expect(await jobs('test.dedupe')).toHaveLength(1);
  });

  it('retries a failing job with backoff, then gives up at max attempts', async () => {
    const queue = first.app.get(JobQueue);
    let calls = 0;
    queue.register('test.flaky', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    await queue.enqueue('test.flaky', {}, { maxAttempts: 2 });
    await queue.runDue();
    expect(await jobs('test.flaky')).toEqual([
      { status: 'pending', attempts: 1, last_error: 'boom 1' },
    ]);
    // Backoff moved run_at into the future: nothing is due yet.
    expect(await queue.runDue()).toBe(0);
    await first.dataSource.query(`UPDATE job SET run_at = now() WHERE type = 'test.flaky'`);
    await queue.runDue();
    expect(await jobs('test.flaky')).toEqual([
      { status: 'failed', attempts: 2, last_error: 'boom 2' },
    ]);
    expect(calls).toBe(2);
    expect(first.errorLogs()).toEqual([]);
  });

  it('shares work between instances without running any job twice', async () => {
    const runs = new Map<number, number>();
    const handler = async (payload: { n: number }) => {
      runs.set(payload.n, (runs.get(payload.n) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    first.app.get(JobQueue).register('test.shared', handler);
    second.app.get(JobQueue).register('test.shared', handler);
    for (let n = 0; n < 40; n++) await first.app.get(JobQueue).enqueue('test.shared', { n });
    const [a, b] = await Promise.all([
      first.app.get(JobQueue).runDue(),
      second.app.get(JobQueue).runDue(),
    ]);
    expect(a + b).toBe(40);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(40);
  });

  it('picks up a job whose worker died mid-run once its lock expires', async () => {
    const queue = first.app.get(JobQueue);
    let ran = 0;
    queue.register('test.orphan', async () => void ran++);
    await first.dataSource.query(
      `INSERT INTO job (type, status, attempts, locked_until) VALUES ('test.orphan', 'running', 1, now() - interval '1 second')`,
    );
    await queue.runDue();
    expect(ran).toBe(1);
    expect(await jobs('test.orphan')).toEqual([{ status: 'done', attempts: 2, last_error: null }]);
  });

  it('gives up on a job whose worker died during its last attempt', async () => {
    const queue = first.app.get(JobQueue);
    let ran = 0;
    queue.register('test.killer', async () => void ran++);
    await first.dataSource.query(
      `INSERT INTO job (type, status, attempts, max_attempts, locked_until)
       VALUES ('test.killer', 'running', 3, 3, now() - interval '1 second')`,
    );
    expect(await queue.runDue()).toBe(0);
    expect(ran).toBe(0);
    expect(await jobs('test.killer')).toEqual([
      { status: 'failed', attempts: 3, last_error: 'its worker stopped during the last attempt' },
    ]);
  });

  /** A handler that runs until the test lets it end, and whether it was called. */
  const gate = () => {
    let release!: (error?: Error) => void;
    const ended = new Promise<void>((resolve, reject) => {
      release = (error) => (error ? reject(error) : resolve());
    });
    let calls = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const handler = async () => {
      calls++;
      started();
      await ended;
    };
    return { handler, running, release, calls: () => calls };
  };

  it('renews the lock of a long job, so no other instance runs it meanwhile', async () => {
    const slow = gate();
    first.app.get(JobQueue).register('test.long', slow.handler);
    second.app.get(JobQueue).register('test.long', slow.handler);
    await first.app.get(JobQueue).enqueue('test.long', {});
    const run = first.app.get(JobQueue).runDue();
    await slow.running;
    await new Promise((resolve) => setTimeout(resolve, LOCK_MS * 1.5));
    expect(await second.app.get(JobQueue).runDue()).toBe(0);
    slow.release();
    await run;
    expect(slow.calls()).toBe(1);
    expect(await jobs('test.long')).toEqual([{ status: 'done', attempts: 1, last_error: null }]);
  });

  it("ignores a worker's late report once its expired job was taken up again", async () => {
    const stalled = gate();
    first.app.get(JobQueue).register('test.late', stalled.handler);
    await first.app.get(JobQueue).enqueue('test.late', {});
    const run = first.app.get(JobQueue).runDue();
    await stalled.running;
    // The worker looks dead (its lock ran out); another instance runs the job.
    await first.dataSource.query(
      `UPDATE job SET locked_until = now() - interval '1 second' WHERE type = 'test.late'`,
    );
    let reruns = 0;
    second.app.get(JobQueue).register('test.late', async () => void reruns++);
    expect(await second.app.get(JobQueue).runDue()).toBe(1);
    stalled.release(new Error('too late'));
    await run;
    expect(reruns).toBe(1);
    expect(await jobs('test.late')).toEqual([{ status: 'done', attempts: 2, last_error: null }]);
  });

  it('ends a failed job that a newer one of the same dedupe key supersedes', async () => {
    const queue = first.app.get(JobQueue);
    const failing = gate();
    let calls = 0;
    queue.register('test.superseded', async () => {
      if (++calls === 1) await failing.handler();
    });
    await queue.enqueue('test.superseded', { v: 1 }, { dedupeKey: 'k' });
    const run = queue.runDue();
    await failing.running;
    // Queued while the first runs (the text was edited again): it is not a duplicate.
    await queue.enqueue('test.superseded', { v: 2 }, { dedupeKey: 'k' });
    failing.release(new Error('provider down'));
    expect(await run).toBe(2);
    expect(await jobs('test.superseded')).toEqual([
      { status: 'failed', attempts: 1, last_error: 'provider down (superseded by a newer job)' },
      { status: 'done', attempts: 1, last_error: null },
    ]);
    expect(first.errorLogs()).toEqual([]);
  });

  it('queues nothing for a key whose job is running when asked to wait for it (whenIdle)', async () => {
    const queue = first.app.get(JobQueue);
    const slow = gate();
    queue.register('test.idle', slow.handler);
    await queue.enqueue('test.idle', {}, { dedupeKey: 'k', whenIdle: true });
    const run = queue.runDue();
    await slow.running;
    await queue.enqueue('test.idle', {}, { dedupeKey: 'k', whenIdle: true });
    expect(await jobs('test.idle')).toEqual([{ status: 'running', attempts: 1, last_error: null }]);
    // Without it, the next one waits behind the running one.
    await queue.enqueue('test.idle', {}, { dedupeKey: 'k' });
    expect((await jobs('test.idle')).map((job) => job.status)).toEqual(['running', 'pending']);
    slow.release();
    expect(await run).toBe(2);
  });

  it("runs a key's job now in the caller, due or not, and not while one of it runs", async () => {
    const queue = first.app.get(JobQueue);
    const seen: unknown[] = [];
    queue.register('test.now', async (payload) => void seen.push(payload));
    // Pending but not due for a minute: run now, with the caller's payload.
    await queue.enqueue('test.now', { v: 1 }, { dedupeKey: 'k', delayMs: 60_000 });
    expect(await queue.runNow('test.now', { v: 2 }, { dedupeKey: 'k' })).toBe(true);
    expect(seen).toEqual([{ v: 2 }]);
    expect(await jobs('test.now')).toEqual([{ status: 'done', attempts: 1, last_error: null }]);

    const slow = gate();
    first.app.get(JobQueue).register('test.now-busy', slow.handler);
    second.app.get(JobQueue).register('test.now-busy', slow.handler);
    const running = first.app.get(JobQueue).runNow('test.now-busy', {}, { dedupeKey: 'k' });
    await slow.running;
    expect(await second.app.get(JobQueue).runNow('test.now-busy', {}, { dedupeKey: 'k' })).toBe(
      false,
    );
    slow.release();
    expect(await running).toBe(true);
    expect(slow.calls()).toBe(1);
    expect(await jobs('test.now-busy')).toEqual([
      { status: 'done', attempts: 1, last_error: null },
    ]);
  });

  it('sends no statement for a delayed key it queued until that job is due', async () => {
    const queue = first.app.get(JobQueue);
    await queue.enqueue('test.held', { v: 1 }, { dedupeKey: 'k', delayMs: 60_000 });
    // Gone behind its back (as only a test does): this instance still takes the key as
    // queued and asks nothing, while another instance queues it.
    await first.dataSource.query(`DELETE FROM job WHERE type = 'test.held'`);
    await queue.enqueue('test.held', { v: 2 }, { dedupeKey: 'k', delayMs: 60_000 });
    expect(await jobs('test.held')).toEqual([]);
    await second.app
      .get(JobQueue)
      .enqueue('test.held', { v: 3 }, { dedupeKey: 'k', delayMs: 60_000 });
    expect(await jobs('test.held')).toHaveLength(1);
    // A job due within a second is always asked for.
    await queue.enqueue('test.held-soon', {}, { dedupeKey: 'k', delayMs: 500 });
    await first.dataSource.query(`DELETE FROM job WHERE type = 'test.held-soon'`);
    await queue.enqueue('test.held-soon', {}, { dedupeKey: 'k', delayMs: 500 });
    expect(await jobs('test.held-soon')).toHaveLength(1);
  });

  it('queues a key anew once its job was run now', async () => {
    const queue = first.app.get(JobQueue);
    queue.register('test.held-now', async () => undefined);
    await queue.enqueue('test.held-now', {}, { dedupeKey: 'k', delayMs: 60_000 });
    expect(await queue.runNow('test.held-now', {}, { dedupeKey: 'k' })).toBe(true);
    await queue.enqueue('test.held-now', {}, { dedupeKey: 'k', delayMs: 60_000 });
    expect((await jobs('test.held-now')).map((job) => job.status)).toEqual(['done', 'pending']);
  });
});
