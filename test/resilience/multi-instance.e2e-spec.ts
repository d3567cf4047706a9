/**
 * Two API instances on their own ports, sharing one PostgreSQL database and one Redis, as
 * behind a load balancer (README: "Running several instances"). Whatever a client does
 * through one instance must hold on the other: rate limits and proof-of-work single use
 * (Redis), provider switches and blocks, settings, scheduled work and chats (PostgreSQL),
 * uploaded avatars (AVATAR_DIR on storage both mount). And several instances starting at once
 * on a database with pending migrations apply each migration once.
 *
 * Narrower multi-instance checks live beside their modules and are not repeated here:
 * test/auth/shared-redis (register limit, challenge expiry, key prefix), test/llm/availability
 * (402 alerts sent once, service level), test/chat/streaming (stop and the one-reply lock
 * across instances), test/autonomous/scheduler (start-up run), test/foundation/jobs
 * (runDue on both), test/admin/settings (the 60 s default TTL).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import { RATE_LIMITS } from '../../src/auth/rate-limit/rate-limits.js';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
import { EMPTY_TASK_STATE, type TaskState } from '../../src/autonomous/scheduler.repository.js';
import { SchedulerService } from '../../src/autonomous/scheduler.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { REDIS, type RedisClient } from '../../src/common/redis/redis.module.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { LlmService } from '../../src/llm/llm.service.js';
import { insertCharacter } from '../autonomous/autonomous-support.js';
import {
  eventually,
  guest,
  messagesOf,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
} from '../chat/chat-support.js';
import { providerOf } from '../llm/llm-test-support.js';
import { BROWSER_HEADERS, solvedChallenge, uniqueEmail } from '../support/auth.js';
import {
  createTestDatabase,
  databaseUrl,
  dropTestDatabase,
  testServerUrl,
  withServerClient,
} from '../support/database.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { connectRedis, REDIS_URL } from '../support/redis.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

// CI sets REDIS_URL when Redis answers; then a missing Redis is a failure. Without any Redis
// the Redis-backed checks assert the other side of the README's rule instead: each instance
// counts on its own, which is why several instances need Redis.
/** Short, so "reaches the other instance within its TTL" is seen in real time. */
const SETTINGS_TTL_MS = 2_000;
/** How long an instance trusts its copy of provider blocks (provider-availability.service). */
const AVAILABILITY_TTL_MS = 3_000;
const TASKS = [
  'character_generator',
  'counter_growth',
  'highlights',
  'relationships',
  'cleanup',
  'model_monitor',
  'notifications',
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The app's Redis client has connected (it does not queue commands before that). */
async function redisReady(t: TestApp): Promise<void> {
  const client = t.app.get<RedisClient>(REDIS);
  if (client && client.status !== 'ready') {
    await new Promise((resolve) => client.once('ready', resolve));
  }
}

/** Every scheduled task is due tomorrow, so none runs at start-up unless a test makes it due. */
async function seedTaskStates(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tomorrow = new Date(Date.now() + 24 * 60 * 60_000).toISOString();
    for (const task of TASKS) {
      await client.query(`INSERT INTO prompt_template (key, value) VALUES ($1, $2)`, [
        `scheduler.${task}`,
        JSON.stringify({ ...EMPTY_TASK_STATE, nextDueAt: tomorrow }),
      ]);
    }
  } finally {
    await client.end();
  }
}

describe('several API instances starting together on a database with pending migrations', () => {
  it('come up, each migration applied once, nothing logged at error level', async () => {
    const name = `app_test_empty_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await withServerClient((client) => client.query(`CREATE DATABASE "${name}"`));
    const url = databaseUrl(testServerUrl(), name);
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => createTestApp({ databaseUrl: url })),
    );
    const apps = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    try {
      expect(started.map((result) => result.status)).toEqual(Array(3).fill('fulfilled'));
      for (const t of apps) await t.http.get('/api/readyz').expect(200);
      const applied: Array<{ name: string }> = await apps[0].dataSource.query(
        `SELECT name FROM typeorm_migrations ORDER BY id`,
      );
      expect(applied).toHaveLength(migrations.length);
      expect(new Set(applied.map((row) => row.name)).size).toBe(migrations.length);
      expect(apps.flatMap((t) => t.errorLogs())).toEqual([]);
    } finally {
      await Promise.all(apps.map((t) => t.close()));
      await withServerClient((client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    }
  });
});

describe('several API instances sharing PostgreSQL and Redis', () => {
  const prefix = `test:multi:${randomUUID()}:`;
  /** One avatar directory for both, as a shared volume would be. */
  const avatarDir = mkdtempSync(join(tmpdir(), 'avatars-shared-'));
  let redis: Redis | undefined;
  let database: { name: string; url: string };
  /** Upstream of the paid provider (openai): signed-in users' first choice. */
  let paid: FakeLlm;
  /** Upstream of the free provider (groq): the fallback, and guests' choice. */
  let free: FakeLlm;
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;
  let owner: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    redis = await connectRedis();
    if (!redis && process.env.REDIS_URL) {
      throw new Error(
        `REDIS_URL=${process.env.REDIS_URL} is set but Redis does not answer; ` +
          'shared rate limits and challenges cannot be tested without it',
      );
    }
    [paid, free, database] = await Promise.all([
      startFakeLlm(),
      startFakeLlm(),
      createTestDatabase(),
    ]);
    await seedTaskStates(database.url);
    const env: Record<string, string> = {
      OPENAI_API_KEY: 'openai-key',
      OPENAI_BASE_URL: paid.baseURL,
      GROQ_API_KEY: 'groq-key',
      GROQ_BASE_URL: free.baseURL,
      LLM_PROVIDER_ORDER: 'openai,groq',
      AUTONOMOUS_PROVIDER_ORDER: 'openai,groq',
      // Both instances run the real scheduler and job poller, as in production.
      AUTONOMOUS_ENABLED: 'true',
      AUTONOMOUS_STARTUP_DELAY_MS: '0',
      AUTONOMOUS_CHECK_INTERVAL_MS: '1000',
      JOBS_POLL_INTERVAL_MS: '100',
      // Memory extraction after replies would ask the upstreams these tests count: not while
      // they run.
      MEMORY_EXTRACT_DELAY_MS: '3600000',
      SETTINGS_CACHE_TTL_MS: String(SETTINGS_TTL_MS),
      // Behind a load balancer; each test poses as its own client through X-Forwarded-For.
      TRUST_PROXY: '1',
      AUTH_BOT_DELAY_MS: '0',
      AVATAR_DIR: avatarDir,
      ...(redis ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}),
    };
    [a, b] = await Promise.all([
      createTestApp({ env, databaseUrl: database.url }),
      createTestApp({ env, databaseUrl: database.url }),
    ]);
    await Promise.all([redisReady(a), redisReady(b)]);
    [admin, owner] = await Promise.all([createUser(a, { role: 'admin' }), createUser(a)]);
    character = await publicCharacter(a, owner);
  }, 60_000);

  afterAll(async () => {
    try {
      await Promise.all([a?.close(), b?.close()]);
      if (database) await dropTestDatabase(database.name);
    } finally {
      await Promise.all([paid?.close(), free?.close()]);
      rmSync(avatarDir, { recursive: true, force: true });
      if (redis) {
        try {
          for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 100 })) {
            if ((keys as string[]).length) await redis.del(...(keys as string[]));
          }
        } finally {
          redis.disconnect();
        }
      }
    }
  });

  it('listens on two ports over one database', async () => {
    expect(a.url).not.toBe(b.url);
    for (const t of [a, b]) await t.http.get('/api/readyz').expect(200);
    const [[{ name: nameA }], [{ name: nameB }]] = await Promise.all(
      [a, b].map((t) => t.dataSource.query(`SELECT current_database() AS name`)),
    );
    expect(nameA).toBe(database.name);
    expect(nameB).toBe(database.name);
  });

  describe('rate limits and proof of work (Redis)', () => {
    // A new email each time: one email's failures are slowed on their own (login backoff).
    const login = (t: TestApp, ip: string) =>
      t.http
        .post('/api/auth/login')
        .set({ ...BROWSER_HEADERS, 'X-Forwarded-For': ip })
        .send({ email: uniqueEmail('nobody'), password: 'not the password' });

    /** Fires `count` logins from one address at once, spread round-robin over `apps`. */
    const burst = async (apps: TestApp[], ip: string, count: number) =>
      (await Promise.all(Array.from({ length: count }, (_, i) => login(apps[i % apps.length], ip))))
        .map((res) => res.status)
        .sort();

    it('reaches the login limit at the same total whether requests hit one instance or both', async () => {
      const { limit } = RATE_LIMITS.auth;
      const extra = 4;
      // One instance: the baseline.
      const alone = await burst([a], '198.51.100.1', limit + extra);
      expect(alone).toEqual([...Array(limit).fill(401), ...Array(extra).fill(429)]);

      // The same burst from another address, split over both instances.
      const split = await burst([a, b], '198.51.100.2', limit + extra);
      if (!redis) {
        // Without Redis each instance counts alone: nobody is refused yet.
        expect(split).toEqual(Array(limit + extra).fill(401));
        return;
      }
      expect(split).toEqual(alone);
      // Afterwards both instances refuse that address, with the same Retry-After.
      for (const t of [a, b]) {
        const refused = await login(t, '198.51.100.2');
        expect(refused.status).toBe(429);
        expect(refused.body.message).toBe('Too many requests, please retry later');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(50);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
      // Other addresses are unaffected.
      expect((await login(b, '198.51.100.3')).status).toBe(401);
    });

    const register = (t: TestApp, solved: { challenge: string; nonce: string }, ip: string) =>
      t.http
        .post('/api/auth/register')
        .set({ ...BROWSER_HEADERS, 'X-Forwarded-For': ip })
        .send({ email: uniqueEmail('multi'), password: 'correct horse battery staple', ...solved });

    it('takes a solved challenge once: racing it to both instances registers one account', async () => {
      const solved = await solvedChallenge(b);
      if (!redis) {
        // Without Redis a challenge exists only on the instance that issued it.
        expect((await register(a, solved, '198.51.100.10')).status).toBe(400);
        expect((await register(b, solved, '198.51.100.11')).status).toBe(201);
        return;
      }
      // Issued by b, sent to both at the same moment (from two addresses, so the register
      // limit plays no part): exactly one wins.
      const race = await Promise.all([
        register(a, solved, '198.51.100.10'),
        register(b, solved, '198.51.100.11'),
      ]);
      expect(race.map((res) => res.status).sort()).toEqual([201, 400]);
      expect(race.find((res) => res.status === 400)!.body.message).toBe(
        'The challenge expired or was already used',
      );
      // And it stays used on both.
      for (const t of [a, b]) {
        const replay = await register(t, solved, '198.51.100.12');
        expect(replay.status).toBe(400);
        expect(replay.body.message).toBe('The challenge expired or was already used');
      }
      // A fresh challenge from a is good on b.
      expect((await register(b, await solvedChallenge(a), '198.51.100.13')).status).toBe(201);
    });
  });

  describe('LLM providers (PostgreSQL)', () => {
    const toggle = (t: TestApp, value: boolean) =>
      t.http
        .put('/api/admin/settings/provider_enabled.openai')
        .set(admin.auth)
        .send({ value })
        .expect(200);

    /** Whether openai is usable as seen by `t` now (what its next chat would see). */
    const openaiUsable = async (t: TestApp) =>
      (await t.app.get(LlmService).availableProviders(['openai', 'groq'])).includes('openai');

    /** A fresh user (so no message limit is in the way) sends one message through `t`. */
    const chatThrough = async (t: TestApp): Promise<string[]> => {
      const before = { paid: paid.requests.length, free: free.requests.length };
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      const result = await send(t, user.auth, chatId);
      expect(result.status).toBe(200);
      expect(replyOf(result.events).last).toMatchObject({ type: 'done' });
      return [...paid.requests.slice(before.paid), ...free.requests.slice(before.free)].map(
        (request) => providerOf(request)!,
      );
    };

    const status = async (t: TestApp) => {
      const { body } = await t.http.get('/api/admin/provider-status').set(admin.auth).expect(200);
      return (body as Array<Record<string, unknown>>).find((p) => p.provider === 'openai')!;
    };

    it('a provider an admin switches off through a is left alone by chats on b within its settings TTL', async () => {
      expect(await chatThrough(b)).toEqual(['openai']);

      await toggle(a, false);
      const switchedAt = Date.now();
      // At once on a.
      expect(await chatThrough(a)).toEqual(['groq']);
      // b's next chats skip it once its settings copy expires (plus its few-second provider
      // cache, which re-reads in the background).
      await eventually(
        async () => !(await openaiUsable(b)),
        SETTINGS_TTL_MS + AVAILABILITY_TTL_MS + 3_000,
      );
      expect(Date.now() - switchedAt).toBeLessThan(
        SETTINGS_TTL_MS + 2 * AVAILABILITY_TTL_MS + 1_000,
      );
      expect(await chatThrough(b)).toEqual(['groq']);
      expect(await status(b)).toMatchObject({ enabled: false, available: false });

      // Switched on again through b: a follows the same way.
      await toggle(b, true);
      expect(await chatThrough(b)).toEqual(['openai']);
      await eventually(async () => openaiUsable(a), SETTINGS_TTL_MS + AVAILABILITY_TTL_MS + 3_000);
      expect(await chatThrough(a)).toEqual(['openai']);
    });

    it('a provider blocked after a billing error on a is not used by b, until an admin lifts it on b', async () => {
      // The paid upstream answers a's chat with 402: the provider is blocked for 6 hours and
      // the reply comes from the free one.
      paid.script({ fault: 'status', status: 402 });
      expect(await chatThrough(a)).toEqual(['openai', 'groq']);
      expect(await status(a)).toMatchObject({ blocked: true, reason: 'insufficient_balance' });

      // b reads blocks from the database every few seconds.
      await eventually(async () => !(await openaiUsable(b)), AVAILABILITY_TTL_MS + 3_000);
      expect(await chatThrough(b)).toEqual(['groq']);
      expect(await chatThrough(b)).toEqual(['groq']);
      expect(await status(b)).toMatchObject({
        blocked: true,
        available: false,
        reason: 'insufficient_balance',
        last_error: expect.stringContaining('402'),
      });

      // Re-enabling on b lifts the block there at once and, through the database, on a.
      await toggle(b, true);
      expect(await chatThrough(b)).toEqual(['openai']);
      await eventually(async () => openaiUsable(a), AVAILABILITY_TTL_MS + 3_000);
      expect(await chatThrough(a)).toEqual(['openai']);
      expect(await status(a)).toMatchObject({ blocked: false, available: true });
    });
  });

  describe('settings (PostgreSQL, cached per instance)', () => {
    const anonLimit = async (t: TestApp, session: Record<string, string>) =>
      (await t.http.get('/api/chats/anon-limit').set(session).expect(200)).body;
    const putLimit = (value: number) =>
      a.http
        .put('/api/admin/settings/anon_message_limit')
        .set(admin.auth)
        .send({ value })
        .expect(200);

    it('a change made through a reaches b within its cache TTL; guests count once across both', async () => {
      const session = guest();
      // b has just read its settings (as any request would), so it holds a fresh copy.
      await b.app.get(SettingsService).allFresh();
      expect(await anonLimit(b, session)).toMatchObject({ limit: 20, remaining: 20 });

      await putLimit(2);
      const changedAt = Date.now();
      try {
        expect(await anonLimit(a, session)).toMatchObject({ limit: 2, remaining: 2 });
        // b still works from its copy...
        expect(await anonLimit(b, session)).toMatchObject({ limit: 20 });
        // ...and reads the database again once it expires.
        await eventually(async () => (await anonLimit(b, session)).limit === 2, 10_000);
        const seenAfter = Date.now() - changedAt;
        expect(seenAfter).toBeGreaterThan(SETTINGS_TTL_MS / 2);
        expect(seenAfter).toBeLessThan(SETTINGS_TTL_MS + 1_000);

        // The guest's allowance is one, wherever the messages land (each from its own address,
        // so the per-address message rate limit stays out of the way).
        const from = (ip: string) => ({ ...session, 'X-Forwarded-For': ip });
        const chatId = await openChat(a, from('192.0.2.1'), character.id);
        const sent = [
          await send(a, from('192.0.2.2'), chatId),
          await send(b, from('192.0.2.3'), chatId),
        ];
        expect(sent.map((result) => result.status)).toEqual([200, 200]);
        expect(sent.map((result) => replyOf(result.events).last!.anon_messages_left)).toEqual([
          1, 0,
        ]);
        for (const [t, ip] of [
          [b, '192.0.2.4'],
          [a, '192.0.2.5'],
        ] as const) {
          const over = await send(t, from(ip), chatId);
          expect(over.status).toBe(403);
          expect(over.body!.message).toBe('Guests can send 2 messages: sign up to keep chatting');
        }
        expect(await anonLimit(b, session)).toEqual({ limit: 2, remaining: 0, enabled: true });
      } finally {
        await putLimit(20);
      }
    });
  });

  describe('scheduled and queued work (PostgreSQL)', () => {
    const taskState = async (name: string): Promise<TaskState> => {
      const [row] = await a.dataSource.query(`SELECT value FROM prompt_template WHERE key = $1`, [
        `scheduler.${name}`,
      ]);
      return JSON.parse(row.value) as TaskState;
    };

    it('runs a due task exactly once while both instances look for it', async () => {
      // Nothing ran at start-up (every task was seeded as due tomorrow).
      const listed = await b.http.get('/api/admin/tasks').set(admin.auth).expect(200);
      expect(listed.body.map((task: { name: string }) => task.name)).toEqual(TASKS);
      for (const task of TASKS) expect((await taskState(task)).runCount).toBe(0);

      await insertCharacter(a, owner.id, { baseChatCount: { en: 10 } });
      await a.dataSource.query(`UPDATE prompt_template SET value = $2 WHERE key = $1`, [
        'scheduler.counter_growth',
        JSON.stringify({ ...EMPTY_TASK_STATE, nextDueAt: new Date(Date.now() - 1000) }),
      ]);
      // Both instances look at the same moment (besides their own checks every second) and
      // queue it; their job pollers run it.
      await Promise.all([a, b].map((t) => t.app.get(SchedulerService).checkDue()));
      await eventually(async () => (await taskState('counter_growth')).runCount > 0);
      const state = await taskState('counter_growth');
      expect(state).toMatchObject({ runCount: 1, lastStatus: 'ok', lastError: null });
      expect(Date.parse(state.nextDueAt!) - Date.now()).toBeGreaterThan(23 * 60 * 60_000);

      // A few more checks on each instance run nothing again.
      await sleep(2_500);
      expect(await taskState('counter_growth')).toEqual(state);
      for (const task of TASKS.filter((name) => name !== 'counter_growth')) {
        expect((await taskState(task)).runCount).toBe(0);
      }
      const after = await a.http.get('/api/admin/tasks').set(admin.auth).expect(200);
      expect(
        after.body.find((task: { name: string }) => task.name === 'counter_growth'),
      ).toMatchObject({ run_count: 1, last_status: 'ok', running: false });
    });

    it("shares queued jobs between both instances' pollers without running any twice", async () => {
      const runs = new Map<number, string[]>();
      for (const [name, t] of [
        ['a', a],
        ['b', b],
      ] as const) {
        t.app.get(JobQueue).register<{ n: number }>('test.multi-instance', async ({ n }) => {
          runs.set(n, [...(runs.get(n) ?? []), name]);
          await sleep(5);
        });
      }
      const count = 40;
      for (let n = 0; n < count; n++) {
        await a.app.get(JobQueue).enqueue('test.multi-instance', { n });
      }
      await eventually(async () => {
        const [{ done }] = await a.dataSource.query(
          `SELECT count(*)::int AS done FROM job WHERE type = 'test.multi-instance' AND status = 'done'`,
        );
        return done === count;
      }, 20_000);
      expect(runs.size).toBe(count);
      expect([...runs.values()].filter((ranOn) => ranOn.length !== 1)).toEqual([]);
    });
  });

  describe('accounts (cached per instance, PostgreSQL NOTIFY)', () => {
    /** What `user`'s token is worth on `t` right now: the status and tier /api/auth/me answers. */
    const seenBy = async (t: TestApp, user: TestUser) => {
      const res = await t.http.get('/api/auth/me').set(user.auth);
      return res.status === 200 ? `200 ${(res.body as { tier: string }).tier}` : `${res.status}`;
    };
    const adminUpdate = (t: TestApp, user: TestUser, change: object) =>
      t.http.put(`/api/admin/users/${user.id}`).set(admin.auth).send(change).expect(200);

    it('a tier changed, an account disabled and enabled again through a take effect on b at once', async () => {
      const carol = await createUser(a);
      // b keeps a copy of carol from here on.
      expect(await seenBy(b, carol)).toBe('200 free');
      expect(await seenBy(b, carol)).toBe('200 free');
      await adminUpdate(a, carol, { tier: 'premium' });
      expect(await seenBy(b, carol)).toBe('200 premium');
      await adminUpdate(a, carol, { disabled: true });
      expect(await seenBy(b, carol)).toBe('401');
      expect(await seenBy(a, carol)).toBe('401');
      await adminUpdate(b, carol, { disabled: false });
      expect(await seenBy(a, carol)).toBe('200 premium');
      expect(await seenBy(b, carol)).toBe('200 premium');
    });

    it('a password changed on a revokes the old token on b at once', async () => {
      const dave = await createUser(b);
      expect(await seenBy(b, dave)).toBe('200 free');
      await a.dataSource.query(`UPDATE app_user SET password_changed_at = now() WHERE id = $1`, [
        dave.id,
      ]);
      await rowCachesCaughtUp(a, b);
      expect(await seenBy(b, dave)).toBe('401');
    });
  });

  describe('chats (PostgreSQL, LISTEN/NOTIFY)', () => {
    /**
     * Lets `user` send again at once. The one-message-per-5-seconds limit is shared through
     * Redis (the test below shows it); forgetting it beats waiting it out.
     */
    const allowNextMessage = async (user: TestUser) => {
      if (redis) await redis.del(`${prefix}rate:messageInterval:user:${user.id}`);
      else await sleep(RATE_LIMITS.messageInterval.ttl + 100);
    };

    it('continues on b a chat started on a, and b follows a reply a is writing', async () => {
      const alice = await createUser(a);
      const chatId = await openChat(a, alice.auth, character.id);

      paid.script({ content: 'The lamp is lit, traveller.' });
      const first = await send(a, alice.auth, chatId, { content: 'Is the lamp lit?' });
      expect(first.status).toBe(200);
      expect(replyOf(first.events).text).toBe('The lamp is lit, traveller.');

      if (redis) {
        // Her message limit is one across instances too.
        const tooSoon = await send(b, alice.auth, chatId, { content: 'Hello?' });
        expect(tooSoon.status).toBe(429);
      }
      await allowNextMessage(alice);

      // The next message goes to b: the upstream request b makes carries the history a wrote.
      const before = paid.requests.length;
      paid.script({ content: 'Aye, the attic room.' });
      const second = await send(b, alice.auth, chatId, { content: 'Can I stay the night?' });
      expect(second.status).toBe(200);
      expect(paid.requests).toHaveLength(before + 1);
      const sent = paid.requests.at(-1)!.body!.messages!;
      expect(sent.filter((message) => message.role !== 'system')).toEqual([
        { role: 'assistant', content: 'Mira looks up. "Storm coming, User."' },
        { role: 'user', content: 'Is the lamp lit?' },
        { role: 'assistant', content: 'The lamp is lit, traveller.' },
        { role: 'user', content: 'Can I stay the night?' },
      ]);

      // A reply written on a, whose client went away after the first token, is followed
      // from b to its end.
      await allowNextMessage(alice);
      const tokens = Array.from({ length: 25 }, (_, i) => ` t${i}`);
      paid.script({ tokens, tokenIntervalMs: 30 });
      const writer = await stream(a.url, `/api/chats/${chatId}/message`, {
        headers: alice.auth,
        body: { content: 'Tell me about the storm' },
      });
      expect(writer.status).toBe(200);
      expect(await writer.next()).toEqual({ type: 'token', content: ' t0' });
      writer.close();
      const chat = await b.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
      expect(chat.body.generating).toBe(true);
      const follower = await stream(b.url, `/api/chats/${chatId}/stream`, {
        method: 'GET',
        headers: alice.auth,
      });
      expect(follower.status).toBe(200);
      const { text, last } = replyOf(await follower.rest());
      expect(text).toBe(tokens.join(''));
      expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number) });
      expect(paid.abortedCount).toBe(0);

      // Both instances list the same history, all of it complete.
      const expected = [
        'Mira looks up. "Storm coming, User."',
        'Is the lamp lit?',
        'The lamp is lit, traveller.',
        'Can I stay the night?',
        'Aye, the attic room.',
        'Tell me about the storm',
        tokens.join(''),
      ];
      for (const t of [a, b]) {
        const { body } = await t.http
          .get(`/api/chats/${chatId}/messages`)
          .set(alice.auth)
          .expect(200);
        expect(body.messages.map((message: { content: string }) => message.content)).toEqual(
          expected,
        );
      }
      const stored = await messagesOf(a, chatId);
      expect(stored.every((message) => message.status === 'complete')).toBe(true);
      expect(stored.at(-1)!.id).toBe(last!.message_id);
      // Nothing in flight any more, on either.
      for (const t of [a, b]) {
        await t.http.get(`/api/chats/${chatId}/stream`).set(alice.auth).expect(204);
      }
    });

    it("a character changed through b speaks as changed in a's next reply, and once private is refused there", async () => {
      const bob = await createUser(a);
      const orin = await publicCharacter(a, owner, { name: 'Orin' });
      const chatId = await openChat(a, bob.auth, orin.id);
      const systemPromptOfNext = async () => {
        await allowNextMessage(bob);
        paid.script({ content: 'Hm.' });
        const reply = await send(a, bob.auth, chatId, { content: 'Evening.' });
        expect(reply.status).toBe(200);
        return String(paid.requests.at(-1)!.body!.messages![0].content);
      };
      // a keeps its copy of Orin from the first reply on.
      expect(await systemPromptOfNext()).toContain('gruff, kind');
      await b.http
        .put(`/api/characters/${orin.id}`)
        .set(owner.auth)
        .send({ personality: 'speaks only in riddles' })
        .expect(200);
      expect(await systemPromptOfNext()).toContain('speaks only in riddles');

      await b.http
        .put(`/api/characters/${orin.id}`)
        .set(owner.auth)
        .send({ is_public: false })
        .expect(200);
      await allowNextMessage(bob);
      const refused = await send(a, bob.auth, chatId, { content: 'Still there?' });
      expect(refused.status).toBe(404);
    });
  });

  describe('uploaded files (AVATAR_DIR on shared storage)', () => {
    // Uploads are decoded and re-encoded: real images.
    const png = defaultAvatarPng();

    it('serves from b an avatar uploaded through a, and a replacement through b removes it on both', async () => {
      const portrait = await publicCharacter(a, owner, { name: 'Portrait' });
      const upload = (t: TestApp, file: Buffer, name: string) =>
        t.http
          .post(`/api/characters/${portrait.id}/avatar`)
          .set(owner.auth)
          .attach('file', file, name)
          .expect(200);
      const first = (await upload(a, png, 'a.png')).body.avatar_url as string;
      const [fromA, fromB] = await Promise.all([a, b].map((t) => t.http.get(first).expect(200)));
      expect(Buffer.compare(fromA.body as Buffer, fromB.body as Buffer)).toBe(0);
      const jpeg = await sharp(png).jpeg().toBuffer();
      const second = (await upload(b, jpeg, 'b.jpg')).body.avatar_url as string;
      for (const t of [a, b]) {
        await t.http.get(second).expect(200);
        await t.http.get(first).expect(404);
      }
    });
  });

  it('logs nothing at error level on either instance', () => {
    expect([...a.errorLogs(), ...b.errorLogs()]).toEqual([]);
  });
});
