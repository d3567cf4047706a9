import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { PasswordResetTokenRepository } from '../../src/auth/password-reset-token.repository.js';
import { UsersService } from '../../src/auth/users.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { BROWSER_HEADERS, RELAXED_AUTH_ENV, registerUser, uniqueEmail } from '../support/auth.js';
import { replayLockRace } from '../support/locks.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { expectLeftBehind, plantSquatterContent } from './squatter-support.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const NEW_PASSWORD = 'a brand new passphrase';

describe('password reset', () => {
  let t: TestApp;
  let mail: MailService;
  let jobs: JobQueue;

  beforeAll(async () => {
    t = await createTestApp({ env: RELAXED_AUTH_ENV });
    mail = t.app.get(MailService);
    jobs = t.app.get(JobQueue);
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  const forgot = (email: string) =>
    t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email });

  const reset = (token: string, password = NEW_PASSWORD) =>
    t.http.post('/api/auth/reset-password').send({ token, password });

  const me = (token: string) => t.http.get('/api/auth/me').auth(token, { type: 'bearer' });

  /** Reset mails only: registration queues a confirmation mail, which runDue sends too. */
  const resetMails = () =>
    mail.outbox.filter((sent) => sent.subject.endsWith('reset your password'));

  /** Requests a reset link and returns the token from the mail. */
  async function mailedToken(email: string): Promise<string> {
    const sent = resetMails().length;
    await forgot(email).expect(202);
    await jobs.runDue();
    expect(resetMails()).toHaveLength(sent + 1);
    const message = resetMails().at(-1)!;
    expect(message.to).toBe(email);
    const link = /http:\/\/frontend\.test\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(
      message.text,
    );
    expect(link).not.toBeNull();
    // The HTML part carries the same link, clickable.
    expect(message.html).toContain(`<a href="${link![0]}">${link![0]}</a>`);
    return link![1];
  }

  it('answers known and unknown emails identically, without looking, writing a token or mailing first', async () => {
    const { email, user } = await registerUser(t);
    const sent = resetMails().length;
    const tokenRows = () =>
      t.dataSource.query(`SELECT 1 FROM password_reset_token WHERE user_id = $1`, [user.id]);

    const nobody = uniqueEmail('nobody');
    const known = await forgot(email.toUpperCase());
    const unknown = await forgot(nobody);

    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    expect(known.body).toEqual({ message: expect.stringContaining('If an account exists') });
    // Both answered having done the same thing: queued one job. No token, no mail yet.
    expect(await tokenRows()).toEqual([]);
    expect(resetMails().slice(sent)).toEqual([]);
    const queued = await t.dataSource.query(
      `SELECT type, status, payload->>'email' AS email FROM job
       WHERE type = 'auth.password-reset-mail' AND payload->>'email' IN ($1, $2) ORDER BY id`,
      [email, nobody],
    );
    expect(queued.map((row: { status: string }) => row.status)).toEqual(['pending', 'pending']);

    await jobs.runDue();
    expect(await tokenRows()).toHaveLength(1);
    expect(resetMails().slice(sent)).toEqual([
      expect.objectContaining({
        to: email,
        subject: expect.stringContaining('reset your password'),
        text: expect.stringMatching(/reset-password\?token=[A-Za-z0-9_-]{43}\n/),
      }),
    ]);
  });

  it('answers at once while the mail transport hangs, and the mail still goes out', async () => {
    const { email } = await registerUser(t);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let mailing!: () => void;
    const mailStarted = new Promise<void>((resolve) => (mailing = resolve));
    const send = jest.spyOn(mail, 'send').mockImplementation(() => {
      mailing();
      return held;
    });
    try {
      await forgot(email).expect(202);
      const running = jobs.runDue();
      await mailStarted;
      // The transport is stuck on the first mail: requests for both kinds of address answer.
      const known = await forgot(email);
      const unknown = await forgot(uniqueEmail('nobody'));
      expect([known.status, unknown.status]).toEqual([202, 202]);
      expect(unknown.body).toEqual(known.body);
      release();
      await running;
      expect(send.mock.calls.length).toBeGreaterThanOrEqual(1);
      for (const [message] of send.mock.calls) expect(message.to).toBe(email);
    } finally {
      send.mockRestore();
      release();
    }
  });

  it('stores only the SHA-256 of a 256-bit token, expiring in 60 minutes', async () => {
    const { email, user } = await registerUser(t);
    const token = await mailedToken(email);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);

    const rows = await t.dataSource.query(
      `SELECT token_hash, extract(epoch FROM expires_at - created_at) AS ttl
       FROM password_reset_token WHERE user_id = $1`,
      [user.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(sha256(token));
    expect(Math.round(Number(rows[0].ttl))).toBe(3600);
  });

  it('sets the new password and revokes every token issued before', async () => {
    const { email, password, token: oldToken } = await registerUser(t);
    await me(oldToken).expect(200);

    const resetToken = await mailedToken(email);
    const res = await reset(resetToken).expect(200);
    // A registered account that never proved its address: the owner starts fresh (see below).
    expect(res.body).toEqual({ message: expect.any(String), fresh_account: true });

    const revoked = await me(oldToken);
    expect(revoked.status).toBe(401);
    expect(revoked.body.message).toBe('The token was revoked by a password change');

    await t.http.post('/api/auth/login').set(BROWSER_HEADERS).send({ email, password }).expect(401);
    const login = await t.http
      .post('/api/auth/login')
      .set(BROWSER_HEADERS)
      .send({ email, password: NEW_PASSWORD })
      .expect(200);
    // Issued within the same second as the change, and still valid.
    await me(login.body.access_token).expect(200);
  });

  it('refuses a token used once already', async () => {
    const { email } = await registerUser(t);
    const token = await mailedToken(email);
    await reset(token).expect(200);

    const again = await reset(token, 'yet another password');
    expect(again.status).toBe(400);
    expect(again.body.message).toBe('The reset link is invalid, used or expired');
  });

  it('refuses an expired token', async () => {
    const { email, user } = await registerUser(t);
    const token = await mailedToken(email);
    await t.dataSource.query(
      `UPDATE password_reset_token SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    expect((await reset(token)).status).toBe(400);
  });

  it('refuses a wrong token, and a malformed one with a validation error', async () => {
    const wrong = await reset(randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('The reset link is invalid, used or expired');

    const malformed = await reset('../../etc/passwd');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('token is not a valid reset token');
  });

  it('keeps only the latest link working', async () => {
    const { email } = await registerUser(t);
    const first = await mailedToken(email);
    const second = await mailedToken(email);
    expect((await reset(first)).status).toBe(400);
    await reset(second).expect(200);
  });

  it('keeps only one link when two are requested at the same moment', async () => {
    const { email } = await registerUser(t);
    await mailedToken(email);
    const [{ id: userId }] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM app_user WHERE email = $1`,
      [email],
    );
    const tokens = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
    const tokensRepository = t.app.get(PasswordResetTokenRepository);
    const expiresAt = new Date(Date.now() + 60 * 60_000);
    // Both requests start while the user's current link is locked, so each statement's
    // snapshot predates the other's new link.
    const outcome = await replayLockRace(t, {
      hold: ['SELECT 1 FROM password_reset_token WHERE user_id = $1 FOR UPDATE', [userId]],
      first: () => tokensRepository.replaceForUser(userId, sha256(tokens[0]), expiresAt),
      second: () => tokensRepository.replaceForUser(userId, sha256(tokens[1]), expiresAt),
    });
    expect([outcome.first.status, outcome.second.status]).toEqual(['fulfilled', 'fulfilled']);
    const rows = await t.dataSource.query(
      `SELECT token_hash FROM password_reset_token WHERE user_id = $1`,
      [userId],
    );
    expect(rows).toEqual([{ token_hash: sha256(tokens[1]) }]);
    expect((await reset(tokens[0])).status).toBe(400);
    await reset(tokens[1]).expect(200);
  });

  it('validates the new password like registration does', async () => {
    const { email } = await registerUser(t);
    const token = await mailedToken(email);
    expect((await reset(token, 'short')).status).toBe(400);
    await reset(token).expect(200);
  });

  it('starts the owner on a fresh account when someone registered the address without proving it', async () => {
    const squatter = await registerUser(t);
    const content = await plantSquatterContent(t, squatter);
    // The reset mail, read by the address's owner, warns what a reset will do.
    const token = await mailedToken(squatter.email);
    expect(resetMails().at(-1)!.text).toContain('gives you a fresh, empty account');

    const res = await reset(token).expect(200);
    expect(res.body).toEqual({
      message: expect.stringContaining('fresh account'),
      fresh_account: true,
    });
    const owner = await t.http
      .post('/api/auth/login')
      .set(BROWSER_HEADERS)
      .send({ email: squatter.email, password: NEW_PASSWORD })
      .expect(200);
    await expectLeftBehind(t, owner.body.access_token, squatter, content);

    // Proven now: a later reset keeps the account and what is on it.
    const persona = await t.http
      .post('/api/personas')
      .auth(owner.body.access_token, { type: 'bearer' })
      .send({ name: 'Mine' })
      .expect(201);
    const again = await reset(await mailedToken(squatter.email), 'another new passphrase');
    expect(again.body).toEqual({
      message: expect.stringContaining('password has been changed'),
      fresh_account: false,
    });
    expect(resetMails().at(-1)!.text).not.toContain('fresh, empty account');
    const later = await t.http
      .post('/api/auth/login')
      .set(BROWSER_HEADERS)
      .send({ email: squatter.email, password: 'another new passphrase' })
      .expect(200);
    expect(later.body.user.id).toBe(owner.body.user.id);
    const personas = await t.http
      .get('/api/personas')
      .auth(later.body.access_token, { type: 'bearer' })
      .expect(200);
    expect(personas.body.map((p: { id: string }) => p.id)).toEqual([persona.body.id]);
  });

  it('refuses a link mailed to an account that was released since', async () => {
    const squatter = await registerUser(t);
    const first = await mailedToken(squatter.email);
    const [{ id }] = await t.dataSource.query(`SELECT id FROM app_user WHERE email = $1`, [
      squatter.email,
    ]);
    await t.app.get(UsersService).setProvenPassword(id, 'x', new Date());
    const res = await reset(first);
    expect(res.status).toBe(400);
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });

  // After the check above: the failure it injects is logged as an error.
  it('keeps the link working when setting the password fails after the link was checked', async () => {
    const { email, user } = await registerUser(t);
    const token = await mailedToken(email);
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    // The release's UPDATE of this account fails, after the link's burn in the same request.
    await t.dataSource.query(`CREATE OR REPLACE FUNCTION test_fail_reset() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await t.dataSource.query(`CREATE TRIGGER test_fail_reset BEFORE UPDATE ON app_user
      FOR EACH ROW WHEN (OLD.id = '${user.id}') EXECUTE FUNCTION test_fail_reset()`);
    try {
      const failed = await reset(token);
      expect(failed.status).toBe(500);
      expect(failed.body.message).not.toContain('injected');
    } finally {
      await t.dataSource.query(`DROP TRIGGER test_fail_reset ON app_user`);
    }
    const [{ used_at }] = await t.dataSource.query(
      `SELECT used_at FROM password_reset_token WHERE user_id = $1`,
      [user.id],
    );
    expect(used_at).toBeNull();

    const res = await reset(token).expect(200);
    expect(res.body).toMatchObject({ fresh_account: true });
    await t.http
      .post('/api/auth/login')
      .set(BROWSER_HEADERS)
      .send({ email, password: NEW_PASSWORD })
      .expect(200);
    await reset(token).expect(400);
  });
});
