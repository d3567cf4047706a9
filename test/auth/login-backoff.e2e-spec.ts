/**
 * Sign-in protection per account (issue #19 item 5): credential stuffing against one email
 * from 21 addresses (a new one for every attempt), split over two instances, is slowed (1 s doubling after 5 failures) and
 * then locked (15 minutes at 10), whichever addresses it comes from; an email without an
 * account gets the same answers. Counted in PostgreSQL, or in Redis when configured. The
 * penalty clock is moved instead of waiting.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { PasswordHasher } from '../../src/auth/password-hasher.js';
import { PenaltyClock } from '../../src/auth/violations/penalty-clock.js';
import { BROWSER_HEADERS, uniqueEmail } from '../support/auth.js';
import { createTestDatabase, dropTestDatabase } from '../support/database.js';
import { connectRedis, REDIS_URL } from '../support/redis.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;

/** What one sign-in was answered; a lockout's end replaced by its distance from now. */
interface Answer {
  status: number;
  retryAfter?: number;
  message?: string;
}

/** One step of the attack: wait `advanceMs` on the penalty clock, then try `password`. */
interface Step {
  advanceMs?: number;
  password: 'wrong' | 'right';
}

const wrong = (advanceMs?: number): Step => ({ password: 'wrong', advanceMs });

/**
 * 16 attempts, each from its own address: five failures pass, then each attempt waits 1 s,
 * doubling; the 10th failure locks for 15 minutes (the right password too), and every
 * failure after the lockout locks again.
 */
const ATTACK: Step[] = [
  wrong(),
  wrong(),
  wrong(),
  wrong(),
  wrong(),
  wrong(), // at once: waits 1 s
  wrong(1000),
  wrong(), // waits 2 s
  wrong(2000),
  wrong(4000),
  wrong(8000),
  wrong(), // waits 16 s
  wrong(16_000), // the 10th failure: locked
  { password: 'right' },
  wrong(15 * MINUTE), // the lockout is over; this failure locks again
  wrong(),
];

const EXPECTED: Answer[] = [
  { status: 401, message: 'Invalid email or password' },
  { status: 401, message: 'Invalid email or password' },
  { status: 401, message: 'Invalid email or password' },
  { status: 401, message: 'Invalid email or password' },
  { status: 401, message: 'Invalid email or password' },
  {
    status: 429,
    retryAfter: 1,
    message: 'Too many failed sign-ins to this email: wait 1 s before trying again',
  },
  { status: 401, message: 'Invalid email or password' },
  {
    status: 429,
    retryAfter: 2,
    message: 'Too many failed sign-ins to this email: wait 2 s before trying again',
  },
  { status: 401, message: 'Invalid email or password' },
  { status: 401, message: 'Invalid email or password' },
  { status: 401, message: 'Invalid email or password' },
  {
    status: 429,
    retryAfter: 16,
    message: 'Too many failed sign-ins to this email: wait 16 s before trying again',
  },
  { status: 401, message: 'Invalid email or password' },
  {
    status: 429,
    retryAfter: 900,
    message: 'Too many failed sign-ins to this email: it is locked until <now + 900 s>',
  },
  { status: 401, message: 'Invalid email or password' },
  {
    status: 429,
    retryAfter: 900,
    message: 'Too many failed sign-ins to this email: it is locked until <now + 900 s>',
  },
];

function controlPenaltyClocks(apps: TestApp[]) {
  let offset = 0;
  for (const t of apps) {
    jest.spyOn(t.app.get(PenaltyClock), 'now').mockImplementation(() => Date.now() + offset);
  }
  return {
    advance: (ms: number) => {
      offset += ms;
    },
    now: () => Date.now() + offset,
  };
}

describe.each([['PostgreSQL'], ['Redis']])(
  'sign-in backoff per account on two instances (%s)',
  (store) => {
    const prefix = `test:login-backoff:${randomUUID()}:`;
    let redis: Redis | undefined;
    let database: { name: string; url: string };
    let a: TestApp;
    let b: TestApp;
    let clock: ReturnType<typeof controlPenaltyClocks>;
    let addresses = 0;
    /** Every attempt from a new address, as a botnet's would be. */
    const freshAddress = () => `203.0.113.${++addresses}`;

    beforeAll(async () => {
      if (store === 'Redis') {
        redis = await connectRedis();
        if (!redis) {
          if (process.env.REDIS_URL) throw new Error(`Redis does not answer at ${REDIS_URL}`);
          return;
        }
      }
      database = await createTestDatabase();
      const env = {
        TRUST_PROXY: '1',
        AUTH_BOT_DELAY_MS: '0',
        ...(redis ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}),
      };
      [a, b] = await Promise.all([
        createTestApp({ env, databaseUrl: database.url }),
        createTestApp({ env, databaseUrl: database.url }),
      ]);
      clock = controlPenaltyClocks([a, b]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      if (database) await dropTestDatabase(database.name);
      if (redis) {
        for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 100 })) {
          if ((keys as string[]).length) await redis.del(...(keys as string[]));
        }
        redis.disconnect();
      }
    });

    /** An account with a password, made in the database. */
    async function account(): Promise<string> {
      const email = uniqueEmail('stuffed');
      const hash = await a.app.get(PasswordHasher).hash(PASSWORD);
      await a.dataSource.query(`INSERT INTO app_user (email, password_hash) VALUES ($1, $2)`, [
        email,
        hash,
      ]);
      return email;
    }

    /** Runs `steps` against `email`, alternating instances, each from a new address. */
    async function attack(email: string, steps: Step[]): Promise<Answer[]> {
      const answers: Answer[] = [];
      for (const [i, step] of steps.entries()) {
        if (step.advanceMs) clock.advance(step.advanceMs);
        const res = await [a, b][i % 2].http
          .post('/api/auth/login')
          .set({ ...BROWSER_HEADERS, 'X-Forwarded-For': freshAddress() })
          .send({ email, password: step.password === 'right' ? PASSWORD : 'not the password' });
        let message: string | undefined = res.body.message;
        const locked = /locked until (\S+)$/.exec(message ?? '');
        if (locked) {
          const seconds = Math.round((Date.parse(locked[1]) - clock.now()) / 1000);
          message = message!.replace(locked[1], `<now + ${seconds} s>`);
        }
        answers.push({
          status: res.status,
          ...(res.headers['retry-after'] ? { retryAfter: Number(res.headers['retry-after']) } : {}),
          ...(res.status === 200 ? {} : { message }),
        });
      }
      return answers;
    }

    const skipped = () => store === 'Redis' && !redis;

    it('slows, then locks, credential stuffing from a new address each time; an unknown email is answered the same', async () => {
      if (skipped()) return;
      const email = await account();
      expect(await attack(email, ATTACK)).toEqual(EXPECTED);
      // The same attack on an email nobody registered: not a single answer differs.
      expect(await attack(uniqueEmail('nobody'), ATTACK)).toEqual(EXPECTED);
      // Counted where this store keeps it, never under the address itself.
      const rows: Array<{ account: string }> = await a.dataSource.query(
        `SELECT account FROM login_failure`,
      );
      if (redis) {
        expect(rows).toEqual([]);
        expect(await redis.keys(`${prefix}login:*`)).toHaveLength(2);
      } else {
        expect(rows).toHaveLength(2);
        for (const row of rows) expect(row.account).toMatch(/^[0-9a-f]{64}$/);
      }

      // After the lockout the right password gets in, and the count starts again: the next
      // five failures pass straight away.
      clock.advance(15 * MINUTE);
      expect(await attack(email, [{ password: 'right' }, ...Array(4).fill(wrong())])).toEqual([
        { status: 200 },
        ...Array(4).fill({ status: 401, message: 'Invalid email or password' }),
      ]);
    });

    it('applies the per-address limit first, so its refusals cost the account nothing', async () => {
      if (skipped()) return;
      const email = await account();
      const ip = freshAddress();
      const login = () =>
        a.http
          .post('/api/auth/login')
          .set({ ...BROWSER_HEADERS, 'X-Forwarded-For': ip })
          .send({ email, password: 'not the password' });
      const answers = [];
      for (let i = 0; i < 11; i++) answers.push((await login()).body.message);
      // 10 a minute per address: the 11th is the address's refusal, though the account waits too.
      expect(answers.slice(5, 10)).toEqual(
        Array(5).fill('Too many failed sign-ins to this email: wait 1 s before trying again'),
      );
      expect(answers[10]).toBe('Too many requests, please retry later');
    });

    it('counts the refusals as loginAccount rate-limit refusals', async () => {
      if (skipped()) return;
      // Both attacks were refused 5 times, each time on the second instance (odd steps); the
      // test above ran on the first.
      const text = (await b.http.get('/api/metrics').expect(200)).text;
      const refusals = text
        .split('\n')
        .find((line) => line.startsWith('rate_limit_refusals_total{limit="loginAccount"} '));
      expect(refusals).toBe('rate_limit_refusals_total{limit="loginAccount"} 10');
    });

    it('logs nothing at error level', () => {
      if (skipped()) return;
      expect([...a.errorLogs(), ...b.errorLogs()]).toEqual([]);
    });
  },
);
