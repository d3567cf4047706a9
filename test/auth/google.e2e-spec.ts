import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { BROWSER_HEADERS, RELAXED_AUTH_ENV, registerUser } from '../support/auth.js';
import {
  startFakeGoogle,
  type FakeGoogle,
  type FakeGoogleProfile,
} from '../support/fake-google.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { expectLeftBehind, plantSquatterContent } from './squatter-support.js';
import { guest, openChat, publicCharacter } from '../chat/chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const FRONTEND_CALLBACK = 'http://frontend.test/auth/callback';

describe('Google sign-in', () => {
  let google: FakeGoogle;
  let t: TestApp;

  beforeAll(async () => {
    google = await startFakeGoogle();
    t = await createTestApp({
      env: { ...RELAXED_AUTH_ENV, ...google.env, ADMIN_EMAILS: 'chief@gmail.com,ops@gmail.com' },
    });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await google?.close();
  });

  /** GET /api/auth/google: the redirect to Google and the state cookie it sets. */
  async function start() {
    const res = await t.http.get('/api/auth/google').expect(302);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    return {
      location: new URL(res.headers.location),
      setCookie,
      cookie: setCookie[0].split(';')[0],
    };
  }

  /** The browser at Google's consent page: Google redirects back to the app's callback. */
  async function consent(location: URL, profile: FakeGoogleProfile): Promise<string> {
    google.profile = profile;
    const res = await fetch(location, { redirect: 'manual' });
    const callback = new URL(res.headers.get('location')!);
    return `${callback.pathname}${callback.search}`;
  }

  /** The whole flow in one browser; resolves with the callback's response. */
  async function signIn(profile: FakeGoogleProfile) {
    const { location, cookie } = await start();
    return t.http.get(await consent(location, profile)).set('Cookie', cookie);
  }

  const tokenFrom = (redirect: string): string => {
    const url = new URL(redirect);
    expect(`${url.origin}${url.pathname}`).toBe(FRONTEND_CALLBACK);
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get('token_type')).toBe('bearer');
    return fragment.get('access_token')!;
  };

  /** A failed sign-in: back to the frontend with the machine code, no token, cookie spent. */
  const expectFrontendError = (
    res: { status: number; headers: Record<string, string> },
    code: string,
  ): void => {
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${FRONTEND_CALLBACK}#error=${code}`);
  };

  const me = (token: string) =>
    t.http
      .get('/api/auth/me')
      .auth(token, { type: 'bearer' })
      .expect(200)
      .then((r) => r.body);

  it('redirects to Google with the client, callback, scopes and a state bound to this browser', async () => {
    const { location, setCookie, cookie } = await start();
    expect(`${location.origin}${location.pathname}`).toBe(`${google.url}/auth`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: 'fake-client-id',
      redirect_uri: `${t.url}/api/auth/google/callback`,
      response_type: 'code',
      scope: 'openid email profile',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(setCookie[0]).toMatch(/^google_oauth_state=/);
    expect(setCookie[0]).toContain('HttpOnly');
    expect(setCookie[0]).toContain('SameSite=Lax');
    expect(setCookie[0]).toContain('Path=/api/auth/google');
    // The cookie holds a digest of the state, not the state itself.
    expect(cookie.split('=')[1]).not.toBe(location.searchParams.get('state'));
  });

  it('creates an account for a new Google user and redirects to the frontend with a token', async () => {
    const res = await signIn({
      sub: 'google-new',
      email: 'New.Person@Gmail.com',
      email_verified: true,
      name: 'New\u0000 Person',
      locale: 'pt-BR',
    });
    expect(res.status).toBe(302);
    expect(res.headers['set-cookie']?.[0]).toMatch(/^google_oauth_state=;/);
    const user = await me(tokenFrom(res.headers.location));
    expect(user).toMatchObject({
      email: 'new.person@gmail.com',
      display_name: 'New Person',
      preferred_language: 'pt',
      role: 'user',
      tier: 'free',
    });
    expect(google.tokenRequests.at(-1)).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'fake-client-id',
      client_secret: 'fake-client-secret',
      redirect_uri: `${t.url}/api/auth/google/callback`,
    });

    // No password: email sign-in fails like any wrong password.
    await t.http
      .post('/api/auth/login')
      .set(BROWSER_HEADERS)
      .send({ email: 'new.person@gmail.com', password: 'anything at all' })
      .expect(401);

    // Signing in again finds the same account by its Google id.
    const again = await signIn({
      sub: 'google-new',
      email: 'renamed@gmail.com',
      email_verified: true,
    });
    expect((await me(tokenFrom(again.headers.location))).id).toBe(user.id);
  });

  const passwordLogin = (email: string, password: string) =>
    t.http.post('/api/auth/login').set(BROWSER_HEADERS).send({ email, password });

  /** Completes a password reset through the mailed link, which proves the address. */
  async function proveByReset(email: string, password: string): Promise<void> {
    const outbox = t.app.get(MailService).outbox;
    await t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email }).expect(202);
    await t.app.get(JobQueue).runDue();
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(outbox.at(-1)!.text)![1];
    await t.http.post('/api/auth/reset-password').send({ token, password }).expect(200);
  }

  it('starts the owner on a fresh account when someone registered the address without proving it, leaving all they made behind', async () => {
    // Whoever registered the address first (perhaps not its owner) keeps no way in, and
    // nothing they made (persona, characters, chats, name) follows the owner.
    const squatter = await registerUser(t, { email: 'linked@gmail.com' });
    const content = await plantSquatterContent(t, squatter);
    const res = await signIn({
      sub: 'google-linked',
      email: 'Linked@Gmail.com',
      email_verified: true,
      name: 'Real Owner',
    });
    expect(res.status).toBe(302);
    expect(
      new URLSearchParams(new URL(res.headers.location).hash.slice(1)).get('fresh_account'),
    ).toBe('true');
    const token = tokenFrom(res.headers.location);
    await expectLeftBehind(t, token, squatter, content);
    const owner = await me(token);
    expect(owner).toMatchObject({ display_name: 'Real Owner', email: 'linked@gmail.com' });
    const [row] = await t.dataSource.query(
      `SELECT oauth_provider, oauth_id, password_hash, email_verified_at
       FROM app_user WHERE id = $1`,
      [owner.id],
    );
    expect(row).toEqual({
      oauth_provider: 'google',
      oauth_id: 'google-linked',
      password_hash: null,
      email_verified_at: expect.any(Date),
    });
    const old = await t.http.get('/api/auth/me').auth(squatter.token, { type: 'bearer' });
    expect(old.body.message).toBe('The token was revoked by a password change');

    // Later Google sign-ins find the fresh account by its Google id and leave it as it is.
    const again = await signIn({
      sub: 'google-linked',
      email: 'linked@gmail.com',
      email_verified: true,
    });
    expect(again.headers.location).not.toContain('fresh_account');
    expect((await me(tokenFrom(again.headers.location))).id).toBe(owner.id);
    await me(token);
  });

  it('links to a password account whose email was proven by a reset, keeping the password', async () => {
    const registered = await registerUser(t, { email: 'proven@gmail.com' });
    await proveByReset(registered.email, registered.password);
    const before = (await passwordLogin(registered.email, registered.password).expect(200)).body
      .access_token as string;
    const { id } = await me(before);

    const res = await signIn({
      sub: 'google-proven',
      email: 'proven@gmail.com',
      email_verified: true,
    });
    expect(res.headers.location).not.toContain('fresh_account');
    expect((await me(tokenFrom(res.headers.location))).id).toBe(id);
    const [row] = await t.dataSource.query(`SELECT oauth_id FROM app_user WHERE id = $1`, [id]);
    expect(row.oauth_id).toBe('google-proven');
    // The password keeps working, and so do the sessions signed in with it.
    await passwordLogin(registered.email, registered.password).expect(200);
    await me(before);
  });

  it('makes an ADMIN_EMAILS address admin for its Google-verified owner, not for whoever registered it first', async () => {
    const squatter = await registerUser(t, { email: 'ops@gmail.com' });
    expect(squatter.user).toMatchObject({ role: 'user', tier: 'free' });

    const res = await signIn({ sub: 'google-ops', email: 'ops@gmail.com', email_verified: true });
    const owner = await me(tokenFrom(res.headers.location));
    expect(owner).toMatchObject({ role: 'admin', tier: 'admin' });
    expect(owner.id).not.toBe(squatter.user.id);
    const [released] = await t.dataSource.query(`SELECT role FROM app_user WHERE id = $1`, [
      squatter.user.id,
    ]);
    expect(released.role).toBe('user');
    await passwordLogin(squatter.email, squatter.password).expect(401);
    await t.http.get('/api/auth/me').auth(squatter.token, { type: 'bearer' }).expect(401);
  });

  it('refuses an unverified Google email instead of linking or creating', async () => {
    const account = await registerUser(t, { email: 'victim@gmail.com' });
    const res = await signIn({
      sub: 'google-attacker',
      email: 'victim@gmail.com',
      email_verified: false,
    });
    expectFrontendError(res, 'email_not_verified');
    const [row] = await t.dataSource.query(`SELECT oauth_id FROM app_user WHERE id = $1`, [
      account.user.id,
    ]);
    expect(row.oauth_id).toBeNull();
  });

  it('refuses to link an email that is linked to another Google account', async () => {
    await signIn({ sub: 'google-first', email: 'taken@gmail.com', email_verified: true });
    const res = await signIn({
      sub: 'google-second',
      email: 'taken@gmail.com',
      email_verified: true,
    });
    expectFrontendError(res, 'account_conflict');
  });

  it('gives ADMIN_EMAILS the admin role', async () => {
    const res = await signIn({
      sub: 'google-chief',
      email: 'chief@gmail.com',
      email_verified: true,
    });
    expect(await me(tokenFrom(res.headers.location))).toMatchObject({
      role: 'admin',
      tier: 'admin',
    });
  });

  it('refuses an account an admin disabled', async () => {
    const profile = { sub: 'google-banned', email: 'banned@gmail.com', email_verified: true };
    expect((await signIn(profile)).status).toBe(302);
    await t.dataSource.query(`UPDATE app_user SET disabled_at = now() WHERE email = $1`, [
      profile.email,
    ]);
    await rowCachesCaughtUp(t);
    const res = await signIn(profile);
    expectFrontendError(res, 'account_disabled');
  });

  describe('refuses a callback whose state is not bound to this browser', () => {
    it('with the cookie of another sign-in', async () => {
      const victim = await start();
      const attacker = await start();
      const callback = await consent(attacker.location, {
        sub: 'g-x',
        email: 'x@gmail.com',
        email_verified: true,
      });
      const res = await t.http.get(callback).set('Cookie', victim.cookie);
      expectFrontendError(res, 'invalid_state');
    });

    it('without the cookie, or with a tampered one', async () => {
      const { location, cookie } = await start();
      const callback = await consent(location, {
        sub: 'g-y',
        email: 'y@gmail.com',
        email_verified: true,
      });
      expectFrontendError(await t.http.get(callback), 'invalid_state');
      expectFrontendError(await t.http.get(callback).set('Cookie', `${cookie}x`), 'invalid_state');
    });

    it('with a state that was altered on the way', async () => {
      const { location, cookie } = await start();
      const callback = new URL(
        await consent(location, { sub: 'g-z', email: 'z@gmail.com', email_verified: true }),
        t.url,
      );
      callback.searchParams.set('state', 'A'.repeat(43));
      const res = await t.http.get(`${callback.pathname}${callback.search}`).set('Cookie', cookie);
      expectFrontendError(res, 'invalid_state');
      expect(google.tokenRequests.at(-1)?.code).not.toBe(callback.searchParams.get('code'));
    });
  });

  it('sends the browser back to the frontend when the user declines at Google', async () => {
    const res = await t.http
      .get('/api/auth/google/callback?error=access_denied&state=x')
      .expect(302);
    expect(res.headers.location).toBe(`${FRONTEND_CALLBACK}#error=access_denied`);
    const odd = await t.http.get('/api/auth/google/callback?error=%3Cscript%3E').expect(302);
    expect(odd.headers.location).toBe(`${FRONTEND_CALLBACK}#error=oauth_failed`);
  });

  it('sends the browser back with provider_error when Google fails, and invalid_request without a code', async () => {
    google.failNextToken(500);
    const res = await signIn({ sub: 'g-down', email: 'down@gmail.com', email_verified: true });
    expectFrontendError(res, 'provider_error');

    const { location, cookie } = await start();
    const state = location.searchParams.get('state')!;
    const noCode = await t.http
      .get(`/api/auth/google/callback?state=${state}`)
      .set('Cookie', cookie);
    expectFrontendError(noCode, 'invalid_request');
  });

  describe('sends every failure back to the frontend, never a JSON page on the API', () => {
    /** A started sign-in whose consent came back: its cookie and the callback's query. */
    async function consented(profile: FakeGoogleProfile) {
      const { location, cookie } = await start();
      const callback = new URL(await consent(location, profile), t.url);
      return { cookie, state: callback.searchParams.get('state')!, callback };
    }

    it('hostile state or code: refused before Google is asked, the cookie spent', async () => {
      const profile = { sub: 'g-hostile', email: 'hostile@gmail.com', email_verified: true };
      const { cookie, state } = await consented(profile);
      const before = google.tokenRequests.length;
      const hostile: Array<[string, string]> = [
        [`state=${'A'.repeat(10_000)}&code=x`, 'invalid_state'],
        [`state=${state}&state=${state}&code=x`, 'invalid_state'],
        ['code=x', 'invalid_state'],
        [`state=${state}`, 'invalid_request'],
        [`state=${state}&code=${'c'.repeat(2049)}`, 'invalid_request'],
        [`state=${state}&code=a&code=b`, 'invalid_request'],
        [`error=${'a'.repeat(65)}`, 'oauth_failed'],
        ['error=consent_required', 'consent_required'],
      ];
      for (const [query, code] of hostile) {
        const res = await t.http.get(`/api/auth/google/callback?${query}`).set('Cookie', cookie);
        expectFrontendError(res, code);
        if (!query.startsWith('error=')) {
          expect(res.headers['set-cookie']?.[0]).toMatch(/^google_oauth_state=;/);
        }
      }
      expect(google.tokenRequests).toHaveLength(before);
    });

    it('a profile without the fields we rely on is a provider_error, and creates nobody', async () => {
      const { cookie, callback } = await consented({
        sub: '',
        email: 'nosub@gmail.com',
        email_verified: true,
      });
      const res = await t.http.get(`${callback.pathname}${callback.search}`).set('Cookie', cookie);
      expectFrontendError(res, 'provider_error');
      const rows = await t.dataSource.query(`SELECT 1 FROM app_user WHERE email = $1`, [
        'nosub@gmail.com',
      ]);
      expect(rows).toEqual([]);
    });

    it('a code Google does not know (already used) is a provider_error', async () => {
      const { cookie, callback } = await consented({
        sub: 'g-reuse',
        email: 'reuse@gmail.com',
        email_verified: true,
      });
      const path = `${callback.pathname}${callback.search}`;
      tokenFrom((await t.http.get(path).set('Cookie', cookie)).headers.location);
      expectFrontendError(await t.http.get(path).set('Cookie', cookie), 'provider_error');
    });
  });

  it("logs Google's own failure as a warning and nothing at error level", () => {
    expect(t.errorLogs()).toEqual([]);
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('Google sign-in refused (provider_error)'),
      }),
    );
  });
});

describe("Google sign-in moves only the signing-in browser's own guest chats", () => {
  let google: FakeGoogle;
  let t: TestApp;
  let characterId: string;

  beforeAll(async () => {
    google = await startFakeGoogle();
    t = await createTestApp({ env: { ...RELAXED_AUTH_ENV, ...google.env } });
    characterId = (await publicCharacter(t, await createUser(t))).id;
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await google?.close();
  });

  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    ([] as string[]).concat(res.headers['set-cookie'] as string[])[0].split(';')[0];

  /** From Google's consent page (as a fresh Google user) through the callback, in one browser. */
  async function finish(googleUrl: string, cookie: string): Promise<string> {
    google.profile = {
      sub: `g-${randomUUID()}`,
      email: `${randomUUID()}@gmail.com`,
      email_verified: true,
    };
    const consent = await fetch(googleUrl, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    const done = await t.http
      .get(`${callback.pathname}${callback.search}`)
      .set('Cookie', cookie)
      .expect(302);
    return new URLSearchParams(new URL(done.headers.location).hash.slice(1)).get('access_token')!;
  }

  const chatIds = async (who: Record<string, string>) =>
    (await t.http.get('/api/chats').set(who).expect(200)).body.items.map(
      (chat: { id: string }) => chat.id,
    );
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it("ignores a link's anon_session: a forged link moves nobody's guest chats", async () => {
    const victimSession = randomUUID();
    const victimChats = [
      await openChat(t, guest(victimSession), characterId),
      await openChat(t, guest(victimSession), characterId),
    ];
    // The link names the victim's guest session; whoever follows it signs in without the
    // session's header (a link cannot carry one).
    const link = await t.http.get(`/api/auth/google?anon_session=${victimSession}`).expect(302);
    const token = await finish(link.headers.location, cookieOf(link));

    expect(await chatIds(bearer(token))).toEqual([]);
    expect((await chatIds(guest(victimSession))).sort()).toEqual([...victimChats].sort());
    // The cookie binds no session at all (only the HMAC of the state).
    expect(cookieOf(link)).not.toContain(victimSession);
  });

  it('moves the chats of the session the frontend proves with its header', async () => {
    const session = randomUUID();
    const chatId = await openChat(t, guest(session), characterId);
    const started = await t.http
      .post('/api/auth/google/start')
      .set(guest(session))
      .expect(200)
      .expect('Cache-Control', 'no-store');
    expect(started.body).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/),
    });
    const token = await finish(started.body.url, cookieOf(started));

    expect(await chatIds(bearer(token))).toEqual([chatId]);
    expect(await chatIds(guest(session))).toEqual([]);
  });

  it('binds no session without the header, and refuses a malformed one', async () => {
    const session = randomUUID();
    await openChat(t, guest(session), characterId);
    const started = await t.http.post('/api/auth/google/start').expect(200);
    const token = await finish(started.body.url, cookieOf(started));
    expect(await chatIds(bearer(token))).toEqual([]);
    expect(await chatIds(guest(session))).toHaveLength(1);

    const bad = await t.http.post('/api/auth/google/start').set('X-Anon-Session', 'nope');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('X-Anon-Session must be a UUID');
  });
});

describe('Google sign-in, not configured', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: RELAXED_AUTH_ENV });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 on both routes', async () => {
    for (const path of ['/api/auth/google', '/api/auth/google/callback?code=x&state=y']) {
      const res = await t.http.get(path);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status_code: 503,
        message: 'Google sign-in is not configured',
      });
    }
  });
});

describe('Google sign-in, rate limited', () => {
  let google: FakeGoogle;
  let t: TestApp;

  beforeAll(async () => {
    google = await startFakeGoogle();
    // Rate limits at their defaults: 10 auth requests a minute per address.
    t = await createTestApp({ env: { AUTH_BOT_DELAY_MS: '0', ...google.env } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await google?.close();
  });

  it('sends the callback past the limit back to the frontend too, with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 11; i++) {
      answers.push(await t.http.get('/api/auth/google/callback?error=access_denied'));
    }
    for (const res of answers.slice(0, 10)) {
      expect(res.headers.location).toBe(`${FRONTEND_CALLBACK}#error=access_denied`);
    }
    const limited = answers[10];
    expect(limited.status).toBe(302);
    expect(limited.headers.location).toBe(`${FRONTEND_CALLBACK}#error=rate_limited`);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
