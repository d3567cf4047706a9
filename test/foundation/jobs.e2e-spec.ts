import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

interface JobState {
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('durable job queue', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await createTestApp();
    second = await createTestApp({ databaseUrl: first.databaseUrl });
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
      first.app.get(JobQueue).runDue(3),
      second.app.get(JobQueue).runDue(3),
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
});
