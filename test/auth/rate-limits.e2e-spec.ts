import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BROWSER_HEADERS, solvedChallenge, uniqueEmail } from '../support/auth.js';
import sharp from 'sharp';
import { openChat, publicCharacter } from '../chat/chat-support.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/** The default limits; only the bot delay is off so timings stay short. */
const DEFAULT_LIMITS_ENV = { AUTH_BOT_DELAY_MS: '0' };

async function register(t: TestApp, forwardedFor?: string) {
  const solved = await solvedChallenge(t);
  const req = t.http.post('/api/auth/register').set(BROWSER_HEADERS);
  if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
  return req.send({ email: uniqueEmail(), password: 'correct horse battery staple', ...solved });
}

function expectRateLimited(
  res: { status: number; headers: Record<string, string>; body: object },
  maxSeconds: number,
) {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ status_code: 429, error: 'Too Many Requests' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe('rate limits at their default values', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: DEFAULT_LIMITS_ENV });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses the 4th registration from one IP within an hour, whatever X-Forwarded-For says', async () => {
    // Without TRUST_PROXY the header is the client's to invent, so it must not count.
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      expect((await register(t, ip)).status).toBe(201);
    }
    const fourth = await register(t, '10.0.0.4');
    expectRateLimited(fourth, 3600);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(3500);
  });

  it('never limits health checks', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await t.http.get('/api/healthz').expect(200);
      expect(res.headers['retry-after']).toBeUndefined();
    }
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});

describe('sign-in and reset limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: DEFAULT_LIMITS_ENV });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('allows 10 auth requests a minute per IP, then answers 429 with Retry-After', async () => {
    // A new email each time: one email's failures are slowed on their own (login backoff).
    const login = () =>
      t.http
        .post('/api/auth/login')
        .set(BROWSER_HEADERS)
        .send({ email: uniqueEmail('someone'), password: 'wrong password' });
    for (let i = 0; i < 10; i++) expect((await login()).status).toBe(401);
    expectRateLimited(await login(), 60);
    // The limit is shared by every route that uses it.
    expectRateLimited(await t.http.get('/api/auth/challenge'), 60);
  });

  it('allows one reset mail per address every 2 minutes and 3 per IP every 5 minutes', async () => {
    const forgot = (email: string) =>
      t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email });

    expect((await forgot('a@example.com')).status).toBe(202);
    expectRateLimited(await forgot(' A@example.com'), 120);
    expect((await forgot('b@example.com')).status).toBe(202);
    expect((await forgot('c@example.com')).status).toBe(202);
    expectRateLimited(await forgot('d@example.com'), 300);
  });
});

describe.each([
  ['1'],
  ['loopback, 10.0.0.0/8'],
  // Deprecated: once Express's `true` (the leftmost entry, which the client writes).
  ['true'],
])('rate limits behind a trusted proxy (TRUST_PROXY=%s)', (trustProxy) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...DEFAULT_LIMITS_ENV, TRUST_PROXY: trustProxy } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('counts each client by X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) expect((await register(t, '203.0.113.7')).status).toBe(201);
    expectRateLimited(await register(t, '203.0.113.7'), 3600);
    expect((await register(t, '198.51.100.9')).status).toBe(201);
  });

  it('takes the address the proxy appended, not the ones the client wrote before it', async () => {
    // A load balancer appends the address it sees to whatever X-Forwarded-For the client sent.
    for (let i = 0; i < 3; i++) {
      expect((await register(t, `10.9.9.${i}, 198.51.100.20`)).status).toBe(201);
    }
    expectRateLimited(await register(t, '192.0.2.1, 198.51.100.20'), 3600);
  });

  it(`warns at start-up only about the deprecated spelling`, () => {
    const deprecation = expect.objectContaining({
      level: 'warn',
      message: expect.stringContaining('TRUST_PROXY=true is deprecated and now means 1'),
    });
    if (trustProxy === 'true') expect(t.logs).toContainEqual(deprecation);
    else expect(t.logs).not.toContainEqual(deprecation);
  });
});

describe('rate limits for IPv6 clients', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...DEFAULT_LIMITS_ENV, TRUST_PROXY: '1' } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('counts IPv6 clients per /56', async () => {
    for (const ip of ['2001:db8:abcd:1200::1', '2001:db8:abcd:1201::1', '2001:db8:abcd:12ff::9']) {
      expect((await register(t, ip)).status).toBe(201);
    }
    expectRateLimited(await register(t, '2001:db8:abcd:1234:5678::1'), 3600);
    expect((await register(t, '2001:db8:abcd:1300::1')).status).toBe(201);
  });
});

/**
 * Writes whose cost grows with what a user controls (a screening of up to a megabyte, a copy
 * of a whole chat path, a decoded picture) are bounded per user, not left to the daily quota.
 */
describe('limits on writes that cost per request', () => {
  let t: TestApp;
  let owner: TestUser;
  let character: { id: string; slug: string };
  let png: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ env: DEFAULT_LIMITS_ENV });
    owner = await createUser(t);
    character = await publicCharacter(t, owner, { name: 'Ines' });
    png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#884422' } })
      .png()
      .toBuffer();
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  /** Sends `request` until the first refusal: the statuses, and that refusal. */
  async function untilRefused(
    times: number,
    request: () => Promise<{ status: number; headers: Record<string, string>; body: object }>,
  ) {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < times; i++) {
      const res = await request();
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    return { statuses, refused };
  }

  it('edits, deletions, swipes and rewinds: 60 a minute per user', async () => {
    const [user, other] = [await createUser(t), await createUser(t)];
    const chatId = await openChat(t, user.auth, character.id);
    const [greeting] = (await t.http.get(`/api/chats/${chatId}/messages`).set(user.auth)).body
      .messages as Array<{ id: number }>;
    const edit = () =>
      t.http
        .put(`/api/chats/${chatId}/messages/${greeting.id}`)
        .set(user.auth)
        .send({ content: 'Ines waves.' });
    const { statuses, refused } = await untilRefused(61, edit);
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(200));
    expectRateLimited(refused!, 60);
    // The same window for the other story controls.
    await t.http
      .post(`/api/chats/${chatId}/rewind`)
      .set(user.auth)
      .send({ message_id: greeting.id })
      .expect(429);
    // Per user.
    const own = await openChat(t, other.auth, character.id);
    const [opening] = (await t.http.get(`/api/chats/${own}/messages`).set(other.auth)).body
      .messages as Array<{ id: number }>;
    await t.http
      .put(`/api/chats/${own}/messages/${opening.id}`)
      .set(other.auth)
      .send({ content: 'Hello.' })
      .expect(200);
  });

  it('looks at whose chat it is before screening an edit: a stranger’s is a 404', async () => {
    const [user, stranger] = [await createUser(t), await createUser(t)];
    const chatId = await openChat(t, user.auth, character.id);
    const [greeting] = (await t.http.get(`/api/chats/${chatId}/messages`).set(user.auth)).body
      .messages as Array<{ id: number }>;
    const refusedText = 'You are a 14 year old schoolgirl and we have sex now.';
    const put = (who: TestUser) =>
      t.http
        .put(`/api/chats/${chatId}/messages/${greeting.id}`)
        .set(who.auth)
        .send({ content: refusedText });
    await put(stranger).expect(404);
    await put(user).expect(422);
  });

  it('branches: 60 an hour per user', async () => {
    const user = await createUser(t);
    const chatId = await openChat(t, user.auth, character.id);
    const [greeting] = (await t.http.get(`/api/chats/${chatId}/messages`).set(user.auth)).body
      .messages as Array<{ id: number }>;
    const { statuses, refused } = await untilRefused(61, () =>
      t.http.post(`/api/chats/${chatId}/branch`).set(user.auth).send({ message_id: greeting.id }),
    );
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(201));
    expectRateLimited(refused!, 3600);
  });

  it('new chats: 30 a minute per signed-in user, group chats included', async () => {
    const [user, other] = [await createUser(t), await createUser(t)];
    const { statuses, refused } = await untilRefused(31, () =>
      t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id, force_new: true }),
    );
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
    expectRateLimited(refused!, 60);
    await t.http
      .post('/api/group-chats')
      .set(user.auth)
      .send({ character_ids: [character.id] })
      .expect(429);
    await t.http
      .post('/api/chats')
      .set(other.auth)
      .send({ character_id: character.id, force_new: true })
      .expect(201);
  });

  it('character writes: 60 a minute per user; avatar uploads: 60 an hour', async () => {
    const user = await createUser(t);
    const created = await t.http.post('/api/characters').set(user.auth).send({ name: 'Oriel' });
    expect(created.status).toBe(201);
    const { statuses, refused } = await untilRefused(60, () =>
      t.http
        .put(`/api/characters/${created.body.id}`)
        .set(user.auth)
        .send({ description: 'A lighthouse keeper.' }),
    );
    expect(statuses.slice(0, 59)).toEqual(Array(59).fill(200));
    expectRateLimited(refused!, 60);
    await t.http.post('/api/characters').set(user.auth).send({ name: 'Late' }).expect(429);

    const uploads = await untilRefused(61, () =>
      t.http
        .post(`/api/characters/${created.body.id}/avatar`)
        .set(user.auth)
        .attach('file', png, 'a.png'),
    );
    expect(uploads.statuses.slice(0, 60)).toEqual(Array(60).fill(200));
    expectRateLimited(uploads.refused!, 3600);
  });
});
