/**
 * Email confirmation (issue #24, item 12 follow-up): a real registrant proves the address with
 * the mailed token AND their own session, so a later reset or Google sign-in keeps their
 * account and content; a squatter, who never holds both, still leaves everything behind.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { EmailVerificationService } from '../../src/auth/email-verification.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import {
  BROWSER_HEADERS,
  RELAXED_AUTH_ENV,
  registerUser,
  type RegisteredUser,
} from '../support/auth.js';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { expectLeftBehind, plantSquatterContent } from './squatter-support.js';

const NEW_PASSWORD = 'a brand new passphrase';
const LINK = /^http:\/\/frontend\.test\/verify-email#token=([A-Za-z0-9_.-]+)$/m;
const DAY_MS = 24 * 3600_000;

describe('email confirmation', () => {
  let google: FakeGoogle;
  let t: TestApp;
  let mail: MailService;

  beforeAll(async () => {
    google = await startFakeGoogle();
    t = await createTestApp({ env: { ...RELAXED_AUTH_ENV, ...google.env } });
    mail = t.app.get(MailService);
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await google?.close();
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const verify = (confirmation: string, session?: string) => {
    const req = t.http.post('/api/auth/verify-email');
    if (session) req.set(bearer(session));
    return req.send({ token: confirmation });
  };
  const me = async (session: string) =>
    (await t.http.get('/api/auth/me').set(bearer(session)).expect(200)).body;
  const verifiedAt = async (id: string): Promise<Date | null> =>
    (await t.dataSource.query(`SELECT email_verified_at FROM app_user WHERE id = $1`, [id]))[0]
      .email_verified_at;
  const confirmationMails = (to: string) =>
    mail.outbox.filter((sent) => sent.to === to && /confirm your email/.test(sent.subject));

  /** Runs the queued mail jobs and returns the token of the one confirmation mail to `to`. */
  async function mailedConfirmation(to: string): Promise<string> {
    await t.app.get(JobQueue).runDue();
    const mails = confirmationMails(to);
    expect(mails).toHaveLength(1);
    const [link, token] = LINK.exec(mails[0].text)!;
    // The HTML part carries the same link, clickable.
    expect(mails[0].html).toContain(`<a href="${link}">${link}</a>`);
    return token;
  }

  const forgotAndReset = async (email: string, password = NEW_PASSWORD) => {
    await t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email }).expect(202);
    await t.app.get(JobQueue).runDue();
    const resets = mail.outbox.filter((sent) => sent.to === email && /reset/.test(sent.subject));
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(resets.at(-1)!.text)![1];
    return (await t.http.post('/api/auth/reset-password').send({ token, password }).expect(200))
      .body as { fresh_account: boolean };
  };

  const login = async (email: string, password: string) =>
    (
      await t.http
        .post('/api/auth/login')
        .set(BROWSER_HEADERS)
        .send({ email, password })
        .expect(200)
    ).body as { access_token: string; user: { id: string; email_verified: boolean } };

  it('mails a link at registration; the account confirms it and a later reset keeps the account and its content', async () => {
    const user = await registerUser(t);
    expect(user.user.email_verified).toBe(false);
    // Queued, not sent on the request's path.
    expect(confirmationMails(user.email)).toEqual([]);
    const token = await mailedConfirmation(user.email);
    const [sent] = confirmationMails(user.email);
    expect(sent.text).toContain('If you did not create this account, ignore this mail');
    expect(sent.text).toContain('within 7 days');

    expect((await me(user.token)).email_verified).toBe(false);
    const res = await verify(token, user.token).expect(200);
    expect(res.body).toMatchObject({ id: user.user.id, email_verified: true });
    const first = await verifiedAt(user.user.id);
    expect(first).toEqual(expect.any(Date));
    // Idempotent: the same answer, the first instant kept.
    await verify(token, user.token).expect(200);
    expect(await verifiedAt(user.user.id)).toEqual(first);
    expect((await me(user.token)).email_verified).toBe(true);

    const persona = await t.http
      .post('/api/personas')
      .set(bearer(user.token))
      .send({ name: 'Mine all along' })
      .expect(201);
    expect(await forgotAndReset(user.email)).toMatchObject({ fresh_account: false });
    const after = await login(user.email, NEW_PASSWORD);
    expect(after.user).toMatchObject({ id: user.user.id, email_verified: true });
    const personas = await t.http.get('/api/personas').set(bearer(after.access_token)).expect(200);
    expect(personas.body.map((p: { id: string }) => p.id)).toEqual([persona.body.id]);
    // Nothing was released.
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM app_user WHERE released_email = $1`,
      [user.email],
    );
    expect(row.n).toBe(0);
  });

  it('keeps a confirmed account and its content on a Google sign-in with the address', async () => {
    const user = await registerUser(t, {
      email: `confirmed-${randomBytes(4).toString('hex')}@gmail.com`,
    });
    await verify(await mailedConfirmation(user.email), user.token).expect(200);
    const persona = await t.http
      .post('/api/personas')
      .set(bearer(user.token))
      .send({ name: 'Kept' })
      .expect(201);

    const start = await t.http.get('/api/auth/google').expect(302);
    const cookie = ([] as string[]).concat(start.headers['set-cookie'] ?? [])[0].split(';')[0];
    google.profile = { sub: `google-${user.user.id}`, email: user.email, email_verified: true };
    const consent = await fetch(start.headers.location, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    const res = await t.http.get(`${callback.pathname}${callback.search}`).set('Cookie', cookie);
    expect(res.status).toBe(302);
    const fragment = new URLSearchParams(new URL(res.headers.location).hash.slice(1));
    expect(fragment.get('fresh_account')).toBeNull();
    const session = fragment.get('access_token')!;
    expect((await me(session)).id).toBe(user.user.id);
    const personas = await t.http.get('/api/personas').set(bearer(session)).expect(200);
    expect(personas.body.map((p: { id: string }) => p.id)).toEqual([persona.body.id]);
  });

  it("refuses another account's token (400) and verifies neither account", async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const ownersToken = await mailedConfirmation(owner.email);

    const res = await verify(ownersToken, other.token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      status_code: 400,
      message: expect.stringContaining('belongs to another account'),
      request_id: expect.any(String),
    });
    expect(await verifiedAt(owner.user.id)).toBeNull();
    expect(await verifiedAt(other.user.id)).toBeNull();
  });

  it('needs a session (401), and a well-signed token for the account (400 otherwise)', async () => {
    const user = await registerUser(t);
    const token = await mailedConfirmation(user.email);
    const anonymous = await verify(token);
    expect(anonymous.status).toBe(401);
    expect((await t.http.post('/api/auth/verify-email/resend').send({})).status).toBe(401);

    // Neither kind of token passes for the other.
    expect((await t.http.get('/api/auth/me').set(bearer(token))).status).toBe(401);
    expect((await verify(user.token, user.token)).status).toBe(400);
    // Hostile tokens: garbage, a forged signature, an oversized one.
    const [head, body] = token.split('.');
    const forged = `${head}.${body}.${randomBytes(32).toString('base64url')}`;
    const forgedRes = await verify(forged, user.token);
    expect(forgedRes.status).toBe(400);
    expect(forgedRes.body.message).toBe('This confirmation link is invalid');
    const garbage = await verify('../../etc/passwd', user.token);
    expect(garbage.status).toBe(400);
    expect(garbage.body.message).toContain('token is not a valid confirmation token');
    const huge = await verify(`${head}.${'A'.repeat(100_000)}.${'B'.repeat(43)}`, user.token);
    expect(huge.status).toBe(400);
    expect(await verifiedAt(user.user.id)).toBeNull();
  });

  it('refuses an expired token, naming the expiry; a token just inside 7 days works', async () => {
    const user = await registerUser(t);
    const tokens = t.app.get(EmailVerificationService);
    const account = { id: user.user.id, email: user.email };
    const expired = await tokens.issueToken(account, new Date(Date.now() - 7 * DAY_MS - 60_000));
    const res = await verify(expired, user.token);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('expired');
    expect(await verifiedAt(user.user.id)).toBeNull();

    const old = await tokens.issueToken(account, new Date(Date.now() - 7 * DAY_MS + 60_000));
    await verify(old, user.token).expect(200);
  });

  it('refuses a token mailed to another address than the account holds now', async () => {
    const user = await registerUser(t);
    const token = await t.app
      .get(EmailVerificationService)
      .issueToken({ id: user.user.id, email: 'previous-address@example.com' });
    const res = await verify(token, user.token);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('another address');
    expect(await verifiedAt(user.user.id)).toBeNull();
  });

  it('a squatter cannot confirm the victim’s address, and the victim’s reset still starts fresh', async () => {
    // The squatter registers the victim's address and holds the password; the link goes to
    // the victim's mailbox.
    const squatter: RegisteredUser = await registerUser(t);
    const content = await plantSquatterContent(t, squatter);
    const victimsToken = await mailedConfirmation(squatter.email);

    // The victim holds the link but no session of that account: their own account does not do.
    const victimsOwn = await createUser(t);
    expect((await verify(victimsToken)).status).toBe(401);
    expect((await verify(victimsToken, victimsOwn.token)).status).toBe(400);
    // The squatter holds the session but not the link: a token they make up fails.
    const [head, body] = victimsToken.split('.');
    const madeUp = `${head}.${body}.${randomBytes(32).toString('base64url')}`;
    expect((await verify(madeUp, squatter.token)).status).toBe(400);
    // Resending only mails the victim again.
    await t.http.post('/api/auth/verify-email/resend').set(bearer(squatter.token)).expect(202);
    await t.app.get(JobQueue).runDue();
    expect(confirmationMails(squatter.email)).toHaveLength(2);
    expect(await verifiedAt(squatter.user.id)).toBeNull();

    expect(await forgotAndReset(squatter.email)).toMatchObject({ fresh_account: true });
    const owner = await login(squatter.email, NEW_PASSWORD);
    expect(owner.user.email_verified).toBe(true);
    await expectLeftBehind(t, owner.access_token, squatter, content);
    // The link mailed for the released account confirms nothing now.
    expect((await verify(victimsToken, owner.access_token)).status).toBe(400);
  });

  it('answers 409 to a resend once the address is confirmed, and mails nothing', async () => {
    const user = await registerUser(t);
    await verify(await mailedConfirmation(user.email), user.token).expect(200);
    const res = await t.http.post('/api/auth/verify-email/resend').set(bearer(user.token));
    expect(res.status).toBe(409);
    await t.app.get(JobQueue).runDue();
    expect(confirmationMails(user.email)).toHaveLength(1);
  });

  describe('with the default rate limits', () => {
    let limited: TestApp;

    beforeAll(async () => {
      limited = await createTestApp({
        env: { AUTH_BOT_DELAY_MS: '0' },
        databaseUrl: t.databaseUrl,
      });
    }, 30_000);

    afterAll(async () => {
      await limited?.close();
    });

    it('allows 3 resends an hour per account, then 429 with Retry-After; repeats queue one mail', async () => {
      const user = await createUser(limited);
      const resend = (auth = user.auth) =>
        limited.http.post('/api/auth/verify-email/resend').set(auth);
      for (let i = 0; i < 3; i++) expect((await resend()).status).toBe(202);
      const refused = await resend();
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ status_code: 429, error: 'Too Many Requests' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
      // Another account has its own window.
      expect((await resend((await createUser(limited)).auth)).status).toBe(202);

      // Three requests before the job ran: one pending job, one mail.
      await limited.app.get(JobQueue).runDue();
      const mails = limited.app
        .get(MailService)
        .outbox.filter((sent) => sent.to === user.email && /confirm your email/.test(sent.subject));
      expect(mails).toHaveLength(1);
    });

    it('logs nothing at error level', () => {
      expect(limited.errorLogs()).toEqual([]);
    });
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
