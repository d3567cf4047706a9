import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { ChallengeStore } from '../../src/auth/pow/challenge-store.js';
import { CHALLENGE_STORE } from '../../src/auth/pow/pow.service.js';
import { REDIS, type RedisClient } from '../../src/common/redis/redis.module.js';
import { BROWSER_HEADERS, solvedChallenge, uniqueEmail } from '../support/auth.js';
import { connectRedis, REDIS_URL } from '../support/redis.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// CI sets REDIS_URL; there a missing Redis is a failure. Elsewhere the same assertions run
// against one in-memory instance, so nothing is skipped silently.

async function flushPrefix(redis: Redis, prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 100 })) {
    if ((keys as string[]).length) await redis.del(...(keys as string[]));
  }
}

/** The app's Redis client has connected (it does not queue commands before that). */
const ready = async (client: RedisClient): Promise<void> => {
  if (client && client.status !== 'ready')
    await new Promise((resolve) => client.once('ready', resolve));
};

describe('two instances sharing Redis', () => {
  const prefix = `test:${randomUUID()}:`;
  let redis: Redis | undefined;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    redis = await connectRedis();
    if (!redis && process.env.REDIS_URL) {
      throw new Error(
        `REDIS_URL=${process.env.REDIS_URL} is set but Redis does not answer; ` +
          'shared rate limits and challenges cannot be tested without it',
      );
    }
    // Each test poses as its own client (X-Forwarded-For), so their limits do not mix.
    const base = { AUTH_BOT_DELAY_MS: '0', TRUST_PROXY: '1' };
    const env: Record<string, string> = redis
      ? { ...base, REDIS_URL, REDIS_KEY_PREFIX: prefix }
      : base;
    first = await createTestApp({ env });
    // Without Redis there is nothing to share: the in-memory variant uses one instance.
    second = redis ? await createTestApp({ env, databaseUrl: first.databaseUrl }) : first;
    await Promise.all([first, second].map((t) => ready(t.app.get<RedisClient>(REDIS))));
  }, 30_000);

  afterAll(async () => {
    if (second !== first) await second?.close();
    await first?.close();
    if (redis) {
      await flushPrefix(redis, prefix);
      redis.disconnect();
    }
  });

  const register = (
    t: TestApp,
    solved: { challenge: string; nonce: string },
    client = '203.0.113.1',
  ) =>
    t.http
      .post('/api/auth/register')
      .set({ ...BROWSER_HEADERS, 'X-Forwarded-For': client })
      .send({ email: uniqueEmail(), password: 'correct horse battery staple', ...solved });

  it('counts registrations from one IP across instances: the 4th within the hour is refused', async () => {
    const client = '203.0.113.99';
    expect((await register(first, await solvedChallenge(first), client)).status).toBe(201);
    expect((await register(second, await solvedChallenge(second), client)).status).toBe(201);
    expect((await register(first, await solvedChallenge(first), client)).status).toBe(201);
    for (const t of [second, first]) {
      const refused = await register(t, await solvedChallenge(t), client);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    }
  });

  it('accepts a challenge from one instance once, on any instance', async () => {
    const solved = await solvedChallenge(first);
    expect((await register(second, solved)).status).toBe(201);
    const replay = await register(first, solved);
    expect(replay.status).toBe(400);
    expect(replay.body.message).toBe('The challenge expired or was already used');
  });

  it('refuses a challenge once it has expired', async () => {
    const solved = await solvedChallenge(first);
    await first.app.get<ChallengeStore>(CHALLENGE_STORE).add(solved.challenge, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await register(second, solved, '203.0.113.2')).status).toBe(400);
  });

  it('keeps its keys under REDIS_KEY_PREFIX', async () => {
    if (!redis) {
      expect(first.app.get(REDIS)).toBeNull();
      return;
    }
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toEqual(
      expect.arrayContaining([
        `${prefix}rate:register:203.0.113.99`,
        `${prefix}rate:auth:203.0.113.1`,
      ]),
    );
    expect(keys.every((key) => key.startsWith(prefix))).toBe(true);
  });

  it('logs nothing at error level', () => {
    expect([...first.errorLogs(), ...second.errorLogs()]).toEqual([]);
  });
});
