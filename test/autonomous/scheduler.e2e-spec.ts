import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SchedulerRepository } from '../../src/autonomous/scheduler.repository.js';
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
];

const SCHEDULER_ON = {
  AUTONOMOUS_ENABLED: 'true',
  AUTONOMOUS_STARTUP_DELAY_MS: '0',
  // Several checks happen while the test waits: a task that ran must not be due again.
  AUTONOMOUS_CHECK_INTERVAL_MS: '1000',
};

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
      let release!: () => void;
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const lock = t.app.get(SchedulerRepository).withLock('cleanup', async () => {
        held();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await holding;
      try {
        const busy = await t.http.post('/api/admin/tasks/cleanup/run').set(admin.auth);
        expect(busy.status).toBe(409);
        expect(busy.body.message).toMatch(/running already/);
        const listed = await t.http.get('/api/admin/tasks').set(admin.auth).expect(200);
        const running = listed.body.filter((task: { running: boolean }) => task.running);
        expect(running.map((task: { name: string }) => task.name)).toEqual(['cleanup']);
      } finally {
        release();
        await lock;
      }
      expect((await runTask(t, admin, 'cleanup')).status).toBe('ok');
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
