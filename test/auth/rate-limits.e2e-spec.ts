import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BROWSER_HEADERS, solvedChallenge, uniqueEmail } from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

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
