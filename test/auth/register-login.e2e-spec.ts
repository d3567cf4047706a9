import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { PasswordHasher } from '../../src/auth/password-hasher.js';
import { CHALLENGE_STORE } from '../../src/auth/pow/pow.service.js';
import type { ChallengeStore } from '../../src/auth/pow/challenge-store.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import {
  BROWSER_HEADERS,
  RELAXED_AUTH_ENV,
  registerUser,
  solveChallenge,
  solvedChallenge,
  uniqueEmail,
} from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const PASSWORD = 'correct horse battery staple';
const USER_FIELDS = [
  'adult_confirmed',
  'created_at',
  'display_name',
  'email',
  'email_verified',
  'id',
  'preferred_language',
  'role',
  'tier',
];

/**
 * Proves the account owns its address the way its owner would: a reset link mailed to it,
 * opened, and the password set (to the same one, so later sign-ins keep using PASSWORD).
 */
async function proveEmail(t: TestApp, email: string, password = PASSWORD): Promise<void> {
  // Only reset mails: registration queued a confirmation mail, which this runDue sends too.
  const resetMails = () =>
    t.app.get(MailService).outbox.filter((sent) => sent.text.includes('/reset-password?'));
  const sent = resetMails().length;
  await t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email }).expect(202);
  await t.app.get(JobQueue).runDue();
  expect(resetMails()).toHaveLength(sent + 1);
  const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(resetMails().at(-1)!.text)![1];
  await t.http.post('/api/auth/reset-password').send({ token, password }).expect(200);
}

/** The error body without its request id, for comparing two answers. */
const withoutRequestId = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });

describe('registration and sign-in', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...RELAXED_AUTH_ENV, ADMIN_EMAILS: 'boss@example.com' } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  const register = async (body: Record<string, unknown>) =>
    t.http
      .post('/api/auth/register')
      .set(BROWSER_HEADERS)
      .send({ password: PASSWORD, ...(await solvedChallenge(t)), ...body });

  describe('GET /api/auth/challenge', () => {
    it('issues a fresh 128-bit challenge with difficulty 4 and a 5-minute expiry', async () => {
      const first = await t.http.get('/api/auth/challenge').expect(200);
      const second = await t.http.get('/api/auth/challenge').expect(200);
      expect(first.body).toEqual({
        challenge: expect.stringMatching(/^[0-9a-f]{32}$/),
        difficulty: 4,
        expires_in: 300,
      });
      expect(second.body.challenge).not.toBe(first.body.challenge);
      expect(first.headers['cache-control']).toBe('no-store');
    });
  });

  describe('POST /api/auth/register', () => {
    it('creates an account, normalizing the email, and returns a token with the user', async () => {
      const res = await register({
        email: '  Alice.Register@Example.COM ',
        display_name: ' Alice ',
        preferred_language: 'fr',
      });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        user: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          email: 'alice.register@example.com',
          display_name: 'Alice',
          role: 'user',
          tier: 'free',
          preferred_language: 'fr',
          adult_confirmed: false,
          // Registration proves nothing: the mailed confirmation link does.
          email_verified: false,
          created_at: expect.any(String),
        },
      });
      const [row] = await t.dataSource.query(
        `SELECT password_hash FROM app_user WHERE email = 'alice.register@example.com'`,
      );
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('defaults the language to en and the display name to null', async () => {
      const res = await register({ email: uniqueEmail() }).then((r) => r.body.user);
      expect(res).toMatchObject({ preferred_language: 'en', display_name: null });
    });

    it('refuses an email that is taken, whatever its case', async () => {
      const { email } = await registerUser(t);
      const res = await register({ email: email.toUpperCase() });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status_code: 409, error: 'Conflict' });
    });

    it('refuses a filled-in honeypot and creates nothing', async () => {
      const email = uniqueEmail('bot');
      const res = await register({ email, website: 'http://spam.example' });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Registration was refused');
      const [{ count }] = await t.dataSource.query(
        `SELECT count(*)::int AS count FROM app_user WHERE email = $1`,
        [email],
      );
      expect(count).toBe(0);
    });

    it('refuses a wrong proof of work, and the challenge stays usable', async () => {
      const { body } = await t.http.get('/api/auth/challenge').expect(200);
      const nonce = solveChallenge(body.challenge, body.difficulty);
      const wrongNonce = `${nonce}x`;
      const wrong = await register({
        email: uniqueEmail(),
        challenge: body.challenge,
        nonce: wrongNonce,
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.message).toBe('The proof of work is wrong');

      await register({ email: uniqueEmail(), challenge: body.challenge, nonce }).then((res) =>
        expect(res.status).toBe(201),
      );
    });

    it('refuses a replayed proof of work', async () => {
      const solved = await solvedChallenge(t);
      expect((await register({ email: uniqueEmail(), ...solved })).status).toBe(201);
      const replay = await register({ email: uniqueEmail(), ...solved });
      expect(replay.status).toBe(400);
      expect(replay.body.message).toBe('The challenge expired or was already used');
    });

    it('refuses an expired challenge and one it never issued', async () => {
      const store = t.app.get<ChallengeStore>(CHALLENGE_STORE);
      const challenge = 'ab'.repeat(16);
      await store.add(challenge, 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const nonce = solveChallenge(challenge, 4);
      const expired = await register({ email: uniqueEmail(), challenge, nonce });
      expect(expired.status).toBe(400);
      expect(expired.body.message).toBe('The challenge expired or was already used');

      const unknown = 'cd'.repeat(16);
      const forged = await register({
        email: uniqueEmail(),
        challenge: unknown,
        nonce: solveChallenge(unknown, 4),
      });
      expect(forged.status).toBe(400);
    });

    it.each([
      [{ email: 'not-an-email' }, 'email must be an email address'],
      [{ email: `${'a'.repeat(250)}@example.com` }, 'email must be shorter than or equal to 254'],
      [{ password: 'short' }, 'password must be longer than or equal to 8 characters'],
      [{ password: 'p'.repeat(129) }, 'password must be shorter than or equal to 128 characters'],
      [{ display_name: 'Evil\u0007Bell' }, 'display_name must not contain control characters'],
      [{ display_name: 'Evil\u202Eoverride' }, 'display_name must not contain control characters'],
      [{ preferred_language: 'xx' }, 'preferred_language must be one of the following values'],
      [{ nonce: 12345 }, 'nonce must be a string'],
      [{ challenge: 'zz' }, 'challenge must be the value from /api/auth/challenge'],
      [{ is_admin: true }, 'property is_admin should not exist'],
    ])('rejects %j with a 400 naming the problem', async (body, message) => {
      const res = await register({ email: uniqueEmail(), ...body });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(message);
    });

    it('grants ADMIN_EMAILS the admin role only once the address is proven theirs', async () => {
      // Anyone can type an address: registering ops@corp.com before ops does must not make
      // the registrant an admin.
      const { user, token } = await registerUser(t, { email: 'Boss@Example.com' });
      expect(user).toMatchObject({ email: 'boss@example.com', role: 'user', tier: 'free' });
      expect(t.logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: expect.stringContaining(
            'boss@example.com is in ADMIN_EMAILS but has not proven',
          ),
        }),
      );
      await t.http.get('/api/admin/settings').auth(token, { type: 'bearer' }).expect(403);
      const unproven = await t.http
        .post('/api/auth/login')
        .set(BROWSER_HEADERS)
        .send({ email: 'boss@example.com', password: PASSWORD })
        .expect(200);
      expect(unproven.body.user).toMatchObject({ role: 'user', tier: 'free' });

      // The reset link went to the address: whoever completes it owns it.
      await proveEmail(t, 'boss@example.com');
      const proven = await t.http
        .post('/api/auth/login')
        .set(BROWSER_HEADERS)
        .send({ email: 'boss@example.com', password: PASSWORD })
        .expect(200);
      expect(proven.body.user).toMatchObject({ role: 'admin', tier: 'admin' });
      await t.http
        .get('/api/admin/settings')
        .auth(proven.body.access_token, { type: 'bearer' })
        .expect(200);
      // The registered account never proved the address, so the owner got a fresh one.
      expect(proven.body.user.id).not.toBe(user.id);
      const [row] = await t.dataSource.query(
        `SELECT email_verified_at FROM app_user WHERE id = $1`,
        [proven.body.user.id],
      );
      expect(row.email_verified_at).toBeInstanceOf(Date);
    });
  });

  describe('POST /api/auth/login', () => {
    let account: { email: string; password: string };

    beforeAll(async () => {
      account = await registerUser(t);
    });

    const login = (body: Record<string, unknown>) =>
      t.http.post('/api/auth/login').set(BROWSER_HEADERS).send(body);

    it('returns a token and the user; the email is matched case-insensitively', async () => {
      const res = await login({ email: account.email.toUpperCase(), password: account.password });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ access_token: expect.any(String), token_type: 'bearer' });
      expect(Object.keys(res.body.user).sort()).toEqual(USER_FIELDS);
      expect(res.body.user.email).toBe(account.email);
    });

    it('answers a wrong password and an unknown email alike, after the same hashing work', async () => {
      // Without the dummy hash an unknown email would answer in about a millisecond; the
      // hasher doing the same verification for both is what keeps the timings alike.
      const verify = jest.spyOn(t.app.get(PasswordHasher), 'verify');
      const wrong = await login({ email: account.email, password: 'not the password' });
      const unknown = await login({ email: uniqueEmail('nobody'), password: 'not the password' });
      const calls = verify.mock.calls.map(([stored, password]) => [typeof stored, password]);
      verify.mockRestore();

      expect(wrong.status).toBe(401);
      expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(wrong.body));
      expect(wrong.body).toMatchObject({
        status_code: 401,
        error: 'Unauthorized',
        message: 'Invalid email or password',
      });
      expect(calls).toEqual([
        ['string', 'not the password'],
        ['undefined', 'not the password'],
      ]);
    });

    it('rejects a missing password with 400', async () => {
      expect((await login({ email: account.email })).status).toBe(400);
    });
  });

  describe('GET /api/auth/me', () => {
    it('returns the signed-in user as a DTO without secrets', async () => {
      const { token, user } = await registerUser(t);
      const [header, payload] = token
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header.alg).toBe('HS256');
      // JWT_EXPIRES_IN defaults to 7d; no password change yet, so password version 0.
      expect(payload).toMatchObject({ sub: user.id, pwv: 0, exp: payload.iat + 7 * 86400 });

      const res = await t.http.get('/api/auth/me').auth(token, { type: 'bearer' }).expect(200);
      expect(res.body).toEqual(user);
      expect(Object.keys(res.body).sort()).toEqual(USER_FIELDS);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('answers 401 without a token, or with a malformed, forged, expired or alg:none one', async () => {
      const { user } = await registerUser(t);
      const jwt = t.app.get(JwtService);
      const forged = await jwt.signAsync(
        { sub: user.id, pwv: 0 },
        { secret: 'another-secret-another-secret-another-secret' },
      );
      const expired = await jwt.signAsync({ sub: user.id, pwv: 0 }, { expiresIn: -10 });
      const header = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: user.id, pwv: 0 })).toString('base64url');
      const unsigned = `${header}.${payload}.`;
      const ofNobody = await jwt.signAsync({ sub: '00000000-0000-4000-8000-000000000000', pwv: 0 });
      const notUuid = await jwt.signAsync({ sub: 'x', pwv: 0 });

      await t.http.get('/api/auth/me').expect(401);
      for (const authorization of [
        'Bearer garbage',
        'Basic dXNlcjpwYXNz',
        `Bearer ${forged}`,
        `Bearer ${expired}`,
        `Bearer ${unsigned}`,
        `Bearer ${ofNobody}`,
        `Bearer ${notUuid}`,
      ]) {
        const res = await t.http.get('/api/auth/me').set('Authorization', authorization);
        expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
      }
    });
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});

describe('ADMIN_EMAILS on sign-in', () => {
  let before: TestApp;
  let after: TestApp;

  beforeAll(async () => {
    before = await createTestApp({
      env: { ...RELAXED_AUTH_ENV, ADMIN_EMAILS: 'demoted@example.com' },
    });
    // The same database, restarted with a different list.
    after = await createTestApp({
      databaseUrl: before.databaseUrl,
      env: { ...RELAXED_AUTH_ENV, ADMIN_EMAILS: 'promoted@example.com' },
    });
  }, 30_000);

  afterAll(async () => {
    await after?.close();
    await before?.close();
  });

  const loginOn = (t: TestApp, email: string) =>
    t.http
      .post('/api/auth/login')
      .set(BROWSER_HEADERS)
      .send({ email, password: PASSWORD })
      .expect(200)
      .then((res) => res.body);

  it('revokes the admin role of an address no longer listed, back to the free tier', async () => {
    await registerUser(before, { email: 'demoted@example.com' });
    await proveEmail(before, 'demoted@example.com');
    expect((await loginOn(before, 'demoted@example.com')).user).toMatchObject({
      role: 'admin',
      tier: 'admin',
    });

    const { user: synced, access_token } = await loginOn(after, 'demoted@example.com');
    expect(synced).toMatchObject({ role: 'user', tier: 'free' });
    const me = await after.http.get('/api/auth/me').auth(access_token, { type: 'bearer' });
    expect(me.body).toMatchObject({ role: 'user', tier: 'free' });
  });

  it('grants the admin role on login to a newly listed address', async () => {
    const { user } = await registerUser(before, { email: 'promoted@example.com' });
    expect(user).toMatchObject({ role: 'user', tier: 'free' });
    await proveEmail(before, 'promoted@example.com');
    expect((await loginOn(after, 'promoted@example.com')).user).toMatchObject({
      role: 'admin',
      tier: 'admin',
    });
  });

  it('keeps a premium tier when the admin role goes', async () => {
    const { user } = await registerUser(after, { email: uniqueEmail('premium') });
    await after.dataSource.query(`UPDATE app_user SET tier = 'premium' WHERE id = $1`, [user.id]);
    await rowCachesCaughtUp(after);
    expect((await loginOn(before, user.email)).user).toMatchObject({
      role: 'user',
      tier: 'premium',
    });
  });
});

describe('anti-bot delay', () => {
  // Long enough that a login's own hashing, even on a busy machine, stays well below it.
  const DELAY_MS = 2500;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { RATE_LIMIT_SCALE: '0', AUTH_BOT_DELAY_MS: String(DELAY_MS) },
    });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  const timedLogin = async (headers: Record<string, string>) => {
    const started = performance.now();
    const res = await t.http
      .post('/api/auth/login')
      .set(headers)
      .send({ email: uniqueEmail(), password: PASSWORD });
    expect(res.status).toBe(401);
    return performance.now() - started;
  };

  it('answers login and register without Accept-Language and Referer only after the delay', async () => {
    expect(await timedLogin({})).toBeGreaterThanOrEqual(DELAY_MS);

    const solved = await solvedChallenge(t);
    const started = performance.now();
    const res = await t.http
      .post('/api/auth/register')
      .send({ email: uniqueEmail(), password: PASSWORD, ...solved });
    expect(res.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(DELAY_MS);
  });

  it('answers at once when either header is there', async () => {
    expect(await timedLogin({ 'Accept-Language': 'de' })).toBeLessThan(DELAY_MS);
    expect(await timedLogin({ Referer: 'http://frontend.test/login' })).toBeLessThan(DELAY_MS);
  });

  it('keeps serving other requests while a bot waits', async () => {
    const waiting = timedLogin({});
    const started = performance.now();
    await t.http.get('/api/healthz').expect(200);
    expect(performance.now() - started).toBeLessThan(DELAY_MS / 2);
    await waiting;
  });
});

describe('reserved addresses', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0', AUTH_BOT_DELAY_MS: '0' } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses to register the platform accounts, which would own guest chats', async () => {
    const solved = await solvedChallenge(t);
    const res = await t.http
      .post('/api/auth/register')
      .send({ email: 'Anonymous@System.Local', password: 'long enough password', ...solved });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('This email address is reserved');
  });
});
