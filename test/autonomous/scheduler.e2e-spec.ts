import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SchedulerService } from '../../src/autonomous/scheduler.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { createTestDatabase, dropTestDatabase } from '../support/database.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  insertCharacter,
  isGenerator,
  isHealthCheck,
  isHighlights,
  isRelation,
  json,
  llmEnv,
  runTask,
  taskState,
  validGenerated,
  validHighlights,
  validRelation,
  waitFor,
} from './autonomous-support.js';

const TASKS = [
  'character_generator',
  'counter_growth',
  'highlights',
  'relationships',
  'cleanup',
  'model_monitor',
  'notifications',
];

const SCHEDULER_ON = {
  AUTONOMOUS_ENABLED: 'true',
  AUTONOMOUS_STARTUP_DELAY_MS: '0',
  // Several checks happen while the test waits: a task that ran must not be due again.
  AUTONOMOUS_CHECK_INTERVAL_MS: '1000',
  // The checks only queue the tasks: the job queue's poller runs them.
  JOBS_POLL_INTERVAL_MS: '100',
};

/** One check at start-up, and none again while the test looks. */
const ONE_CHECK = { ...SCHEDULER_ON, AUTONOMOUS_CHECK_INTERVAL_MS: '3600000' };

interface PgPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

interface TaskJobRow {
  type: string;
  dedupe_key: string;
  status: string;
  attempts: number;
}

const taskJobs = (t: TestApp) =>
  t.dataSource.query<TaskJobRow[]>(
    `SELECT type, dedupe_key, status, attempts FROM job
     WHERE type LIKE 'autonomous.%' ORDER BY id`,
  );

describe('autonomous scheduler', () => {
  let fake: FakeLlm;

  beforeAll(async () => {
    fake = await startFakeLlm({ tokenIntervalMs: 1 });
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await fake?.close();
  });

  it('runs each due task exactly once across two instances sharing a database', async () => {
    const database = await createTestDatabase();
    const apps: TestApp[] = [];
    try {
      fake.onRequest((request) => {
        if (isGenerator(request)) return { ...json(validGenerated()), firstTokenDelayMs: 300 };
        if (isHighlights(request)) return json(validHighlights());
        if (isRelation(request)) return json(validRelation());
        if (isHealthCheck(request)) return { content: 'OK' };
        return undefined;
      });
      // Two instances start at once, both looking for due tasks at start-up.
      apps.push(
        ...(await Promise.all(
          [1, 2].map(() =>
            createTestApp({ databaseUrl: database.url, env: llmEnv(fake, SCHEDULER_ON) }),
          ),
        )),
      );
      const [a] = apps;
      const states = await waitFor(async () => {
        const all = await Promise.all(TASKS.map((task) => taskState(a, task)));
        return all.every((state) => state?.lastFinishedAt) && all;
      });
      // Give both instances a few more checks to (wrongly) run something again.
      await new Promise((resolve) => setTimeout(resolve, 2500));

      for (const task of TASKS) expect(await taskState(a, task)).toMatchObject({ runCount: 1 });
      expect(states.map((state) => state!.lastStatus)).toEqual(TASKS.map(() => 'ok'));
      expect(fake.requests.filter(isGenerator)).toHaveLength(1);
      const [{ count }] = await a.dataSource.query(
        `SELECT count(*)::int AS count FROM character WHERE is_public`,
      );
      expect(count).toBe(1);
      for (const app of apps) expect(app.errorLogs()).toEqual([]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await dropTestDatabase(database.name);
    }
  });

  it('records a task that throws, and the app keeps serving', async () => {
    // No provider key at all: the generator cannot reach any model and fails.
    const t = await createTestApp({ env: SCHEDULER_ON });
    try {
      const state = await waitFor(async () => {
        const current = await taskState(t, 'character_generator');
        return current?.lastStatus ? current : undefined;
      });
      expect(state).toMatchObject({
        lastStatus: 'failed',
        lastError: expect.stringMatching(/provider/i),
        lastResult: null,
        runCount: 1,
      });
      // A failed run is retried within hours, not a day later.
      const retryIn =
        Date.parse(state.nextDueAt as string) - Date.parse(state.lastStartedAt as string);
      expect(retryIn).toBeGreaterThan(5 * 60 * 60_000);
      expect(retryIn).toBeLessThanOrEqual(6 * 60 * 60_000);
      await t.http.get('/api/healthz').expect(200);
      // The tasks after it still ran.
      await waitFor(async () => (await taskState(t, 'model_monitor'))?.lastStatus === 'ok');
      expect(t.logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: expect.stringContaining('Task character_generator failed'),
        }),
      );
      expect(t.errorLogs()).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('stays off under test unless enabled', async () => {
    const t = await createTestApp({ env: { AUTONOMOUS_STARTUP_DELAY_MS: '0' } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const task of TASKS) expect(await taskState(t, task)).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('only queues the due tasks at a check; the job queue runs them', async () => {
    // The poller off: what a check does shows before any job runs.
    const t = await createTestApp({
      env: llmEnv(fake, { ...ONE_CHECK, JOBS_POLL_INTERVAL_MS: '0' }),
    });
    try {
      fake.onRequest((request) => {
        if (isGenerator(request)) return json(validGenerated());
        if (isHighlights(request)) return json(validHighlights());
        if (isRelation(request)) return json(validRelation());
        if (isHealthCheck(request)) return { content: 'OK' };
        return undefined;
      });
      const queued = await waitFor(async () => {
        const jobs = await taskJobs(t);
        return jobs.length === TASKS.length && jobs;
      });
      expect(queued).toEqual(
        TASKS.map((name) => ({
          type: `autonomous.${name}`,
          dedupe_key: name,
          status: 'pending',
          attempts: 0,
        })),
      );
      // Queued, not run: no model was asked, no state was written.
      expect(fake.requests).toEqual([]);
      for (const task of TASKS) expect(await taskState(t, task)).toBeUndefined();
      // Another check (this instance's or another's) adds nothing while they wait.
      await t.app.get(SchedulerService).checkDue();
      expect(await taskJobs(t)).toHaveLength(TASKS.length);

      const queue = t.app.get(JobQueue);
      expect(await queue.runDue()).toBe(TASKS.length);
      for (const task of TASKS) {
        expect(await taskState(t, task)).toMatchObject({ lastStatus: 'ok', runCount: 1 });
      }
      expect((await taskJobs(t)).map((job) => job.status)).toEqual(TASKS.map(() => 'done'));
      // Run since: the next check finds nothing due.
      await t.app.get(SchedulerService).checkDue();
      expect(await taskJobs(t)).toHaveLength(TASKS.length);
    } finally {
      await t.close();
    }
  });

  it('holds no pooled connection, and no transaction, while a task waits for its model', async () => {
    const t = await createTestApp({ env: llmEnv(fake, ONE_CHECK) });
    try {
      fake.onRequest((request) =>
        isGenerator(request) ? { ...json(validGenerated()), firstTokenDelayMs: 3000 } : undefined,
      );
      await waitFor(async () => fake.requests.some(isGenerator));
      const pool = (t.dataSource.driver as unknown as { master: PgPoolStats }).master;
      const samples: Array<{ checkedOut: number; waiting: number; idleInTransaction: number }> = [];
      for (let i = 0; i < 10; i++) {
        // Read before the probe's own query takes a connection.
        const checkedOut = pool.totalCount - pool.idleCount;
        const waiting = pool.waitingCount;
        const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
          `SELECT count(*)::int AS count FROM pg_stat_activity
           WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        );
        samples.push({ checkedOut, waiting, idleInTransaction: count });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The model has not answered yet: the task is still in its call.
      expect(await taskState(t, 'character_generator')).toBeUndefined();
      // A task holding a connection or a transaction across its call shows in every sample;
      // the poller and the other tasks' short statements may show in one now and then.
      const clean = samples.filter(
        (sample) =>
          sample.checkedOut === 0 && sample.waiting === 0 && sample.idleInTransaction === 0,
      );
      expect(clean.length).toBeGreaterThanOrEqual(samples.length / 2);
      const state = await waitFor(async () => {
        const current = await taskState(t, 'character_generator');
        return current?.lastStatus ? current : undefined;
      });
      expect(state).toMatchObject({ lastStatus: 'ok', runCount: 1 });
    } finally {
      await t.close();
    }
  });

  describe('admin endpoints', () => {
    let t: TestApp;
    let admin: TestUser;
    let user: TestUser;

    beforeAll(async () => {
      t = await createTestApp({ env: llmEnv(fake) });
      [admin, user] = await Promise.all([createUser(t, { role: 'admin' }), createUser(t)]);
    });

    afterAll(async () => {
      await t?.close();
    });

    it('lists the tasks with their state, for admins only', async () => {
      await t.http.get('/api/admin/tasks').expect(401);
      await t.http.get('/api/admin/tasks').set(user.auth).expect(403);
      await t.http.post('/api/admin/tasks/cleanup/run').set(user.auth).expect(403);
      const res = await t.http.get('/api/admin/tasks').set(admin.auth).expect(200);
      expect(res.body.map((task: { name: string }) => task.name)).toEqual(TASKS);
      expect(res.body[0]).toEqual({
        name: 'character_generator',
        description: expect.any(String),
        interval_seconds: 86400,
        running: false,
        last_started_at: null,
        last_finished_at: null,
        last_status: null,
        last_result: null,
        last_error: null,
        next_due_at: null,
        run_count: 0,
      });
      expect(
        res.body.find((task: { name: string }) => task.name === 'relationships').interval_seconds,
      ).toBe(7 * 86400);
    });

    it('runs a task now and returns its result; unknown tasks are 404', async () => {
      await insertCharacter(t, admin.id, { baseChatCount: { en: 10 } });
      const run = await runTask(t, admin, 'counter_growth');
      expect(run).toMatchObject({
        status: 'ok',
        result: { characters: 1 },
        error: null,
        task: { name: 'counter_growth', last_status: 'ok', run_count: 1 },
      });
      // Due by the hourly check a day after the run started, however long the run took.
      const due =
        Date.parse(run.task.next_due_at as string) - Date.parse(run.task.last_started_at as string);
      expect(due).toBe(24 * 60 * 60_000 - 30 * 60_000);
      const listed = await t.http.get('/api/admin/tasks').set(admin.auth).expect(200);
      expect(
        listed.body.find((task: { name: string }) => task.name === 'counter_growth'),
      ).toMatchObject({ last_status: 'ok', last_result: { characters: 1 }, run_count: 1 });

      const unknown = await t.http.post('/api/admin/tasks/nope/run').set(admin.auth);
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toMatch(/Unknown task "nope"/);
    });

    it('answers 409 while an instance runs the task, and shows it running', async () => {
      fake.onRequest((request) =>
        isGenerator(request) ? { ...json(validGenerated()), firstTokenDelayMs: 1500 } : undefined,
      );
      const first = runTask(t, admin, 'character_generator');
      await waitFor(async () => fake.requests.some(isGenerator));
      const busy = await t.http.post('/api/admin/tasks/character_generator/run').set(admin.auth);
      expect(busy.status).toBe(409);
      expect(busy.body.message).toMatch(/running already/);
      const listed = await t.http.get('/api/admin/tasks').set(admin.auth).expect(200);
      const running = listed.body.filter((task: { running: boolean }) => task.running);
      expect(running.map((task: { name: string }) => task.name)).toEqual(['character_generator']);

      expect(await first).toMatchObject({ status: 'ok', task: { running: false, run_count: 1 } });
      expect(fake.requests.filter(isGenerator)).toHaveLength(1);
      const after = await t.http.get('/api/admin/tasks').set(admin.auth).expect(200);
      expect(after.body.every((task: { running: boolean }) => !task.running)).toBe(true);
      expect(await taskJobs(t)).toContainEqual({
        type: 'autonomous.character_generator',
        dedupe_key: 'character_generator',
        status: 'done',
        attempts: 1,
      });
    });

    it('returns a failed run as a result with its error', async () => {
      fake.onRequest((request) => (isGenerator(request) ? { content: 'no json here' } : undefined));
      const run = await runTask(t, admin, 'character_generator');
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/no valid character/);
      expect(run.task).toMatchObject({ last_status: 'failed', last_error: run.error });
      expect(t.errorLogs()).toEqual([]);
    });
  });
});
