import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { UsersService } from '../../src/auth/users.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import {
  BROWSER_HEADERS,
  login,
  RELAXED_AUTH_ENV,
  registerUser,
  type RegisteredUser,
} from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const BOSS = 'boss@example.com';
const CHIEF = 'chief@example.com';
/** Listed, but registered by someone who never proves owning it. */
const OPS = 'ops@example.com';

describe('admin user management', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({
      env: { ...RELAXED_AUTH_ENV, ADMIN_EMAILS: `${BOSS},${CHIEF},${OPS}` },
    });
    admin = await createUser(t, { role: 'admin' });
  });

  afterAll(async () => {
    await t?.close();
  });

  const update = (id: string, body: unknown, caller: TestUser = admin) =>
    t.http
      .put(`/api/admin/users/${id}`)
      .set(caller.auth)
      .send(body as object);
  const me = (token: string) =>
    t.http.get('/api/auth/me').set({ Authorization: `Bearer ${token}` });
  const signIn = (email: string, password: string) =>
    t.http.post('/api/auth/login').set(BROWSER_HEADERS).send({ email, password });

  /**
   * An ADMIN_EMAILS admin as in production: registered, the address proven through a
   * completed password reset (ADMIN_EMAILS counts only then), and signed in again.
   */
  async function listedAdmin(email: string): Promise<TestUser & { password: string }> {
    const { password, user } = await registerUser(t, { email });
    const outbox = t.app.get(MailService).outbox;
    await t.http.post('/api/auth/forgot-password').set(BROWSER_HEADERS).send({ email }).expect(202);
    await t.app.get(JobQueue).runDue();
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(outbox.at(-1)!.text)![1];
    await t.http.post('/api/auth/reset-password').send({ token, password }).expect(200);
    const access = await login(t, email, password);
    // The reset started the address's owner on a fresh account (the registered one had never
    // proven the address), so the id is the fresh account's.
    const { id } = (await me(access).expect(200)).body as { id: string };
    expect(id).not.toBe(user.id);
    return {
      id,
      email,
      password,
      token: access,
      auth: { Authorization: `Bearer ${access}` },
    };
  }

  describe('listing and search', () => {
    const tag = randomUUID().slice(0, 8);
    let named: TestUser;

    beforeAll(async () => {
      named = await createUser(t, { email: `Zelda.${tag}@Example.test` });
      await t.dataSource.query(`UPDATE app_user SET display_name = $2 WHERE id = $1`, [
        named.id,
        `Princess ${tag}`,
      ]);
      await rowCachesCaughtUp(t);
      for (let i = 0; i < 3; i++) await createUser(t, { email: `crowd-${i}-${tag}@example.test` });
    });

    it('lists accounts newest first, without secrets', async () => {
      const { body } = await t.http.get('/api/admin/users').set(admin.auth).expect(200);
      expect(body).toMatchObject({ page: 1, page_size: 50, has_more: false });
      expect(body.items[0].email).toBe(`crowd-2-${tag}@example.test`);
      const zelda = body.items.find((user: { id: string }) => user.id === named.id);
      expect(zelda).toEqual({
        id: named.id,
        // citext keeps the case it was given in, and compares without it.
        email: `Zelda.${tag}@Example.test`,
        display_name: `Princess ${tag}`,
        role: 'user',
        tier: 'free',
        disabled: false,
        disabled_at: null,
        oauth_provider: null,
        has_password: false,
        preferred_language: 'en',
        adult_confirmed: false,
        released_at: null,
        released_email: null,
        created_at: expect.any(String),
      });
      const paged = await t.http.get('/api/admin/users?page_size=2').set(admin.auth).expect(200);
      expect(paged.body).toMatchObject({ page_size: 2, has_more: true });
      expect(paged.body.items).toHaveLength(2);
    });

    it('searches email and display name, in any case, as a substring', async () => {
      const search = async (q: string) =>
        (
          await t.http
            .get(`/api/admin/users?q=${encodeURIComponent(q)}`)
            .set(admin.auth)
            .expect(200)
        ).body.items.map((user: { id: string }) => user.id);
      expect(await search(`ZELDA.${tag}`)).toEqual([named.id]);
      expect(await search(`princess ${tag}`)).toEqual([named.id]);
      expect(await search(tag)).toHaveLength(4);
      expect(await search(`crowd-1-${tag}`)).toHaveLength(1);
      // LIKE wildcards are plain characters here.
      expect(await search('%')).toEqual([]);
      expect(await search('_')).toEqual([]);
      await t.http
        .get(`/api/admin/users?q=${'x'.repeat(101)}`)
        .set(admin.auth)
        .expect(400);
    });

    it('finds a released account by the address it gave up, and shows it', async () => {
      const address = `Link.${randomUUID().slice(0, 8)}@Example.test`;
      const released = await createUser(t, { email: address });
      // As UsersRepository.releaseToOwner leaves it; the owner's fresh account has the address.
      await t.dataSource.query(
        `UPDATE app_user SET released_email = email, released_at = now(), disabled_at = now(),
           email = 'released-' || gen_random_uuid() || '@released.invalid' WHERE id = $1`,
        [released.id],
      );
      await rowCachesCaughtUp(t);
      const owner = await createUser(t, { email: address });
      const { body } = await t.http
        .get(`/api/admin/users?q=${encodeURIComponent(address.toUpperCase())}`)
        .set(admin.auth)
        .expect(200);
      expect(body.items.map((user: { id: string }) => user.id)).toEqual([owner.id, released.id]);
      expect(body.items[1]).toMatchObject({
        email: expect.stringMatching(/^released-.*@released\.invalid$/),
        disabled: true,
        released_email: address,
        released_at: expect.any(String),
      });
      expect(body.items[0]).toMatchObject({ released_email: null, released_at: null });
    });
  });

  describe('tier and role', () => {
    it('changes the tier; the user sees it at once', async () => {
      const user = await createUser(t);
      const res = await update(user.id, { tier: 'premium' }).expect(200);
      expect(res.body).toMatchObject({ id: user.id, role: 'user', tier: 'premium' });
      expect((await me(user.token).expect(200)).body.tier).toBe('premium');
    });

    it('promotes to admin (admin tier) and demotes back (free unless a tier is given)', async () => {
      const user = await createUser(t, { tier: 'premium' });
      await t.http.get('/api/admin/settings').set(user.auth).expect(403);
      const promoted = await update(user.id, { role: 'admin' }).expect(200);
      expect(promoted.body).toMatchObject({ role: 'admin', tier: 'admin' });
      await t.http.get('/api/admin/settings').set(user.auth).expect(200);

      const demoted = await update(user.id, { role: 'user', tier: 'premium' }).expect(200);
      expect(demoted.body).toMatchObject({ role: 'user', tier: 'premium' });
      await t.http.get('/api/admin/settings').set(user.auth).expect(403);
      await update(user.id, { role: 'admin' }).expect(200);
      const plain = await update(user.id, { role: 'user' }).expect(200);
      expect(plain.body).toMatchObject({ role: 'user', tier: 'free' });
    });

    it('keeps the admin tier for the admin role only', async () => {
      const user = await createUser(t);
      const res = await update(user.id, { tier: 'admin' }).expect(400);
      expect(res.body.message).toBe(
        'tier admin does not go with role user: the admin tier belongs to the admin role only',
      );
      const other = await createUser(t, { role: 'admin' });
      const mismatch = await update(other.id, { tier: 'premium' }).expect(400);
      expect(mismatch.body.message).toContain('tier premium does not go with role admin');
    });

    describe('ADMIN_EMAILS accounts', () => {
      let boss: TestUser & { password: string };
      let chief: TestUser & { password: string };

      beforeAll(async () => {
        boss = await listedAdmin(BOSS);
        chief = await listedAdmin(CHIEF);
      });

      it('ADMIN_EMAILS decides the role again at the next sign-in', async () => {
        expect((await me(boss.token).expect(200)).body).toMatchObject({ role: 'admin' });
        await update(boss.id, { role: 'user' }, chief).expect(200);
        // Demoted at once: the role is read from the database on every request.
        await t.http.get('/api/admin/settings').set(boss.auth).expect(403);
        const again = await login(t, BOSS, boss.password);
        expect((await me(again).expect(200)).body).toMatchObject({ role: 'admin', tier: 'admin' });
        boss = { ...boss, token: again, auth: { Authorization: `Bearer ${again}` } };

        const helper = await registerUser(t);
        await update(helper.user.id, { role: 'admin' }).expect(200);
        await t.http
          .get('/api/admin/settings')
          .set({ Authorization: `Bearer ${helper.token}` })
          .expect(200);
        const next = await login(t, helper.email, helper.password);
        expect((await me(next).expect(200)).body).toMatchObject({ role: 'user', tier: 'free' });
      });

      it('can be disabled or demoted only by an admin listed there too', async () => {
        // `admin` was promoted through this API: it must not be able to lock out the operators.
        for (const change of [
          { disabled: true },
          { role: 'user' },
          { role: 'user', tier: 'premium' },
        ]) {
          const refused = await update(boss.id, change).expect(403);
          expect(refused.body.message).toBe(
            'Only an admin listed in ADMIN_EMAILS can disable or demote an account listed there',
          );
        }
        await t.http.get('/api/admin/settings').set(boss.auth).expect(200);
        // Harmless changes stay open to every admin.
        await update(boss.id, { role: 'admin', disabled: false }).expect(200);

        // A listed address that was never proven counts as listed for its protection (its owner
        // may still claim it), but gives its holder no power over the other listed accounts.
        const squatter = await registerUser(t, { email: OPS });
        await update(squatter.user.id, { role: 'admin' }).expect(200);
        await update(
          boss.id,
          { disabled: true },
          {
            id: squatter.user.id,
            email: squatter.email,
            token: squatter.token,
            auth: { Authorization: `Bearer ${squatter.token}` },
          },
        ).expect(403);

        const disabled = await update(boss.id, { disabled: true }, chief).expect(200);
        expect(disabled.body.disabled).toBe(true);
        await t.http.get('/api/admin/settings').set(boss.auth).expect(401);
        await update(boss.id, { disabled: false }, chief).expect(200);
        await t.http.get('/api/admin/settings').set(boss.auth).expect(200);
      });
    });
  });

  describe('disabling', () => {
    let victim: RegisteredUser;

    beforeAll(async () => {
      victim = await registerUser(t);
    });

    it('refuses the account its sign-in and its existing tokens, until re-enabled', async () => {
      await me(victim.token).expect(200);
      const res = await update(victim.user.id, { disabled: true }).expect(200);
      expect(res.body).toMatchObject({ disabled: true, disabled_at: expect.any(String) });

      const refused = await me(victim.token).expect(401);
      expect(refused.body.message).toBe('This account is disabled');
      const signIn1 = await signIn(victim.email, victim.password).expect(403);
      expect(signIn1.body.message).toBe('This account is disabled');
      // A wrong password still gets the usual answer: the state is only told to the owner.
      const wrong = await signIn(victim.email, 'not the password').expect(401);
      expect(wrong.body.message).toBe('Invalid email or password');

      // Disabling again keeps the original instant.
      const again = await update(victim.user.id, { disabled: true }).expect(200);
      expect(again.body.disabled_at).toBe(res.body.disabled_at);

      const enabled = await update(victim.user.id, { disabled: false }).expect(200);
      expect(enabled.body).toMatchObject({ disabled: false, disabled_at: null });
      await signIn(victim.email, victim.password).expect(200);
      // Tokens issued before are honoured again (they still expire as usual).
      await me(victim.token).expect(200);
    });

    it("does not undo another admin's change made meanwhile", async () => {
      const target = await createUser(t);
      const users = t.app.get(UsersService);
      // Read before another admin disabled the account, written after.
      const stale = (await users.findById(target.id))!;
      await update(target.id, { disabled: true }).expect(200);
      const updated = await users.changeAccess(stale, { tier: 'premium' });
      expect(updated).toMatchObject({ tier: 'premium', disabledAt: expect.any(Date) });
    });

    it('does not let admins disable or demote themselves', async () => {
      const own = await update(admin.id, { disabled: true }).expect(400);
      expect(own.body.message).toBe('You cannot disable your own account');
      const demote = await update(admin.id, { role: 'user' }).expect(400);
      expect(demote.body.message).toBe('You cannot remove your own admin role');
      await update(admin.id, { tier: 'free' }).expect(400);
      // Another admin may.
      const peer = await createUser(t, { role: 'admin' });
      const byPeer = await update(admin.id, { disabled: true }, peer).expect(200);
      expect(byPeer.body.disabled).toBe(true);
      await t.http.get('/api/admin/users').set(admin.auth).expect(401);
      await update(admin.id, { disabled: false }, peer).expect(200);
      await t.http.get('/api/admin/users').set(admin.auth).expect(200);
    });
  });

  it.each<[string, string, unknown, number, string]>([
    ['an empty change', 'user', {}, 400, 'Nothing to change: send tier, role or disabled'],
    [
      'a change of nulls',
      'user',
      { disabled: null, tier: null },
      400,
      'Nothing to change: send tier, role or disabled',
    ],
    ['an unknown tier', 'user', { tier: 'gold' }, 400, 'tier must be one of the following'],
    ['an unknown role', 'user', { role: 'root' }, 400, 'role must be one of the following'],
    ['a string flag', 'user', { disabled: 'true' }, 400, 'disabled must be a boolean'],
    [
      'an unknown field',
      'user',
      { email: 'x@example.com' },
      400,
      'property email should not exist',
    ],
    ['a malformed id', 'bad', { tier: 'free' }, 400, 'id must be a UUID'],
    ['an unknown user', 'none', { tier: 'free' }, 404, 'User not found'],
  ])('refuses %s', async (_, target, body, status, message) => {
    const id =
      target === 'user'
        ? (await createUser(t)).id
        : target === 'bad'
          ? 'nope'
          : '00000000-0000-4000-8000-000000000000';
    const res = await update(id, body);
    expect({ status: res.status, message: res.body.message }).toEqual({
      status,
      message: expect.stringContaining(message),
    });
  });

  it('records every change in the audit log', async () => {
    const user = await createUser(t);
    await update(user.id, { tier: 'premium' }).expect(200);
    await update(user.id, { disabled: true }).expect(200);
    const { body } = await t.http
      .get('/api/admin/audit?action=user.update&page_size=2')
      .set(admin.auth)
      .expect(200);
    expect(body.items).toEqual([
      expect.objectContaining({
        actor_id: admin.id,
        actor_email: admin.email,
        target: `user:${user.id}`,
        // The shape the operator CLI records too (test/foundation/admin-cli.e2e-spec.ts).
        before: { role: 'user', tier: 'premium', disabled: false, email_verified: false },
        after: { role: 'user', tier: 'premium', disabled: true, email_verified: false },
      }),
      expect.objectContaining({
        target: `user:${user.id}`,
        before: { role: 'user', tier: 'free', disabled: false, email_verified: false },
        after: { role: 'user', tier: 'premium', disabled: false, email_verified: false },
      }),
    ]);
    expect(t.errorLogs()).toEqual([]);
  });
});
