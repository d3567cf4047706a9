import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { RATE_LIMITS } from '../../src/auth/rate-limit/rate-limits.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { runTask } from '../autonomous/autonomous-support.js';
import { BROWSER_HEADERS, solvedChallenge, uniqueEmail } from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/**
 * Issue #24 item 10: 300 `force_new` guest chats in 3.5 s pushed a character to the top of
 * "popular". Guest chat creation is throttled per address and per session, a guest session
 * counts toward popularity once per character, and abandoned guest chats are cleaned up.
 */
describe('guest chats', () => {
  let t: TestApp;
  let admin: TestUser;
  let owner: TestUser;
  let characterId: string;
  let nextAddress = 1;

  beforeAll(async () => {
    // Default rate limits; one trusted proxy, so each test can speak from its own address.
    t = await createTestApp({ env: { TRUST_PROXY: '1' } });
    // These bursts are refused by the hundred from one address, which would ban it (violation
    // scores, test/auth/bans): here the limits alone are tested.
    await t.app.get(SettingsService).set('violation_points.rate_limit', 0);
    [admin, owner] = await Promise.all([createUser(t, { role: 'admin' }), createUser(t)]);
    characterId = await publicCharacter();
  });

  afterAll(async () => {
    await t?.close();
  });

  async function publicCharacter(): Promise<string> {
    const { body } = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: `Popular Pia ${randomUUID().slice(0, 6)}`, greeting: 'Hello there.' })
      .expect(201);
    await t.dataSource.query(
      `UPDATE character SET avatar_url = '/api/avatars/test.png' WHERE id = $1`,
      [body.id],
    );
    await rowCachesCaughtUp(t);
    await t.http.put(`/api/characters/${body.id}`).set(owner.auth).send({ is_public: true });
    return body.id;
  }

  const freshAddress = () => `198.51.100.${nextAddress++}`;

  const openChat = (session: string, address: string, character = characterId) =>
    t.http
      .post('/api/chats')
      .set('X-Anon-Session', session)
      .set('X-Forwarded-For', address)
      .send({ character_id: character, force_new: true });

  /** Sends `count` requests, `concurrency` at a time; returns the statuses in order. */
  async function burst(count: number, send: (i: number) => Promise<{ status: number }>) {
    const statuses: number[] = [];
    const concurrency = 50;
    for (let start = 0; start < count; start += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, i) =>
        send(start + i),
      );
      statuses.push(...(await Promise.all(batch)).map((res) => res.status));
    }
    return statuses;
  }

  const chatCount = async (id = characterId): Promise<number> =>
    (await t.dataSource.query(`SELECT real_chat_count FROM character WHERE id = $1`, [id]))[0]
      .real_chat_count;

  const tally = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((counts, status) => {
      counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    }, {});

  it('refuses a session past its limit with 429, and counts its chats toward popularity once', async () => {
    const session = randomUUID();
    const address = freshAddress();
    const before = await chatCount();

    const statuses = await burst(300, () => openChat(session, address));

    const perSession = RATE_LIMITS.guestChatSession.limit;
    expect(tally(statuses)).toEqual({ 201: perSession, 429: 300 - perSession });
    const refused = await openChat(session, address);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      status_code: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('Too many requests'),
      request_id: expect.any(String),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Popularity moved by one, for all of the session's chats; none of them was lost.
    expect(await chatCount()).toBe(before + 1);
    const listed = await t.http
      .get('/api/chats?page_size=50')
      .set('X-Anon-Session', session)
      .expect(200);
    expect(listed.body.items).toHaveLength(perSession);
  });

  it('refuses an address past its limit whatever sessions it mints, and counts each session once', async () => {
    const address = freshAddress();
    const before = await chatCount();

    // Every request with a fresh session, as a script minting sessions would.
    const statuses = await burst(100, () => openChat(randomUUID(), address));

    const perAddress = RATE_LIMITS.guestChat.limit;
    expect(tally(statuses)).toEqual({ 201: perAddress, 429: 100 - perAddress });
    expect(await chatCount()).toBe(before + perAddress);

    // Another address, and signed-in users, are not held by it (only by their own window).
    await openChat(randomUUID(), freshAddress()).expect(201);
    const user = await createUser(t);
    const userStatuses = await burst(RATE_LIMITS.chatCreate.limit, () =>
      t.http
        .post('/api/chats')
        .set(user.auth)
        .set('X-Forwarded-For', address)
        .send({ character_id: characterId, force_new: true }),
    );
    expect(tally(userStatuses)).toEqual({ 201: RATE_LIMITS.chatCreate.limit });
  });

  it('counts one session with one character once, even when its chats race', async () => {
    const other = await publicCharacter();
    const session = randomUUID();
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => openChat(session, freshAddress(), other)),
    );
    expect(statuses.map((res) => res.status)).toEqual(Array(8).fill(201));
    expect(await chatCount(other)).toBe(1);
    // Another session counts again.
    await openChat(randomUUID(), freshAddress(), other).expect(201);
    expect(await chatCount(other)).toBe(2);
  });

  describe('cleanup of abandoned guest chats', () => {
    /** A guest chat (with its greeting) made idle for `days` by moving its clock back. */
    async function idleGuestChat(days: number): Promise<{ id: string; session: string }> {
      const session = randomUUID();
      const res = await openChat(session, freshAddress()).expect(201);
      await t.dataSource.query(
        `UPDATE chat SET updated_at = now() - make_interval(days => $2) WHERE id = $1`,
        [res.body.id, days],
      );
      await t.dataSource.query(
        `UPDATE guest_chat_credit SET created_at = now() - make_interval(days => $2)
         WHERE anon_session_id = $1`,
        [session, days],
      );
      return { id: res.body.id, session };
    }

    const exists = async (table: string, column: string, value: string) =>
      (await t.dataSource.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [value])).length > 0;

    it('deletes only guest chats idle past the retention setting, in batches, with their messages', async () => {
      const abandoned = await idleGuestChat(31);
      const recent = await idleGuestChat(29);
      const active = await idleGuestChat(0);
      // A user's old chat and a signed-in guest's adopted chat are not guest chats.
      const user = await createUser(t);
      const mine = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: characterId, force_new: true })
        .expect(201);
      // Registering with the guest session adopts its chat (it leaves the guest's hands).
      const session = randomUUID();
      const adopted = await openChat(session, freshAddress()).expect(201);
      await t.http
        .post('/api/auth/register')
        .set(BROWSER_HEADERS)
        .set('X-Anon-Session', session)
        .set('X-Forwarded-For', freshAddress())
        .send({
          email: uniqueEmail('adopter'),
          password: 'correct horse battery staple',
          ...(await solvedChallenge(t)),
        })
        .expect(201);
      expect(await exists('chat', 'anon_session_id', session)).toBe(false);
      await t.dataSource.query(
        `UPDATE chat SET updated_at = now() - interval '400 days' WHERE id = ANY($1)`,
        [[mine.body.id, adopted.body.id]],
      );
      // A backlog bigger than one delete batch (500), straight into the table.
      const anonymousOwner = (
        await t.dataSource.query(`SELECT user_id FROM chat WHERE id = $1`, [abandoned.id])
      )[0].user_id;
      await t.dataSource.query(
        `INSERT INTO chat (user_id, anon_session_id, character_id, updated_at)
         SELECT $1, gen_random_uuid(), $2, now() - interval '90 days' FROM generate_series(1, 1200)`,
        [anonymousOwner, characterId],
      );
      const count = await chatCount();

      const run = await runTask(t, admin, 'cleanup');

      expect(run.status).toBe('ok');
      expect(run.result).toMatchObject({
        guest_chats_deleted: 1201,
        guest_chat_credits_deleted: 1,
      });
      expect(await exists('chat', 'id', abandoned.id)).toBe(false);
      expect(await exists('message', 'chat_id', abandoned.id)).toBe(false);
      expect(await exists('guest_chat_credit', 'anon_session_id', abandoned.session)).toBe(false);
      for (const kept of [recent.id, active.id, mine.body.id, adopted.body.id]) {
        expect(await exists('chat', 'id', kept)).toBe(true);
      }
      // The credit of a session whose chat is still there stays, old as it is.
      expect(await exists('guest_chat_credit', 'anon_session_id', recent.session)).toBe(true);
      // Popularity already counted stays counted.
      expect(await chatCount()).toBe(count);
      // Gone is gone for the guest too.
      await t.http
        .get(`/api/chats/${abandoned.id}`)
        .set('X-Anon-Session', abandoned.session)
        .expect(404);

      // The retention period is an admin setting.
      await t.http
        .put('/api/admin/settings/guest_chat_retention_days')
        .set(admin.auth)
        .send({ value: 7 })
        .expect(200);
      const again = await runTask(t, admin, 'cleanup');
      expect(again.result).toMatchObject({ guest_chats_deleted: 1, guest_chat_credits_deleted: 1 });
      expect(await exists('chat', 'id', recent.id)).toBe(false);
      expect(await exists('chat', 'id', active.id)).toBe(true);
      await t.http
        .put('/api/admin/settings/guest_chat_retention_days')
        .set(admin.auth)
        .send({ value: 0 })
        .expect(400);
      expect(t.errorLogs()).toEqual([]);
    });
  });
});
