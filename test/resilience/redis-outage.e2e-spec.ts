import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

// Port 1 on loopback: nothing listens, so every Redis command fails at once.
describe('Redis unreachable', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1', AUTH_BOT_DELAY_MS: '0' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps serving: rate limits fail open, proof of work fails closed with 503', async () => {
    await t.http.get('/api/healthz').expect(200);
    await t.http.get('/api/readyz').expect(200);

    // Rate-limited routes still answer (the limiter lets requests through while Redis is away).
    const login = await t.http
      .post('/api/auth/login')
      .send({ email: 'nobody@example.test', password: 'wrong-password' });
    expect(login.status).toBe(401);
    const user = await createUser(t);
    await t.http.get('/api/auth/me').set(user.auth).expect(200);

    // Challenges must be single-use across instances, which needs Redis: refuse, clearly.
    const challenge = await t.http.get('/api/auth/challenge');
    expect(challenge.status).toBe(503);
    expect(challenge.body.message).toBe('Registration is unavailable, please retry shortly');

    expect(t.errorLogs()).toEqual([]);
    const warnings = t.logs
      .filter((record) => record.level === 'warn')
      .map((record) => String(record.message));
    expect(warnings.some((message) => message.startsWith('Rate limits not enforced'))).toBe(true);
    expect(warnings.some((message) => message.startsWith('Challenge store unavailable'))).toBe(
      true,
    );
  });
});
