import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { RELAXED_AUTH_ENV } from '../support/auth.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { guest, llmEnv, publicCharacter, replyOf, send } from '../chat/chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/**
 * Optional auth on guest routes: a token the app no longer accepts (expired, signed with an
 * old secret, of a deleted or disabled account, or not a bearer token at all) is served as
 * anonymous with the request's X-Anon-Session, instead of a 401 that locks the guest out until
 * the frontend drops it. Routes that need a user still answer 401.
 */
describe('a stale token on a guest route', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let character: { id: string };
  const stale: Record<string, string> = {};

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), ...RELAXED_AUTH_ENV } });
    owner = await createUser(t);
    character = await publicCharacter(t, owner);
    const jwt = t.app.get(JwtService);
    const disabled = await createUser(t);
    await t.dataSource.query(`UPDATE app_user SET disabled_at = now() WHERE id = $1`, [
      disabled.id,
    ]);
    await rowCachesCaughtUp(t);
    Object.assign(stale, {
      expired: `Bearer ${await jwt.signAsync({ sub: owner.id, pwv: 0 }, { expiresIn: -10 })}`,
      forged: `Bearer ${await jwt.signAsync(
        { sub: owner.id, pwv: 0 },
        { secret: `another-secret-${randomUUID()}` },
      )}`,
      ofNobody: `Bearer ${await jwt.signAsync({ sub: randomUUID(), pwv: 0 })}`,
      disabled: disabled.auth.Authorization,
      garbage: 'Bearer not.a.token',
      notBearer: 'Basic dXNlcjpwYXNz',
    });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('is served as the guest session it carries: open, read, send', async () => {
    for (const [kind, authorization] of Object.entries(stale)) {
      const session = randomUUID();
      const who = { ...guest(session), Authorization: authorization };
      const opened = await t.http.post('/api/chats').set(who).send({ character_id: character.id });
      expect({ kind, status: opened.status }).toEqual({ kind, status: 201 });
      const [row] = await t.dataSource.query<Array<{ anon_session_id: string | null }>>(
        `SELECT anon_session_id FROM chat WHERE id = $1`,
        [opened.body.id],
      );
      expect({ kind, session: row.anon_session_id }).toEqual({ kind, session });

      // The same chat is the guest's, with or without the stale token.
      await t.http.get(`/api/chats/${opened.body.id}`).set(who).expect(200);
      await t.http.get(`/api/chats/${opened.body.id}`).set(guest(session)).expect(200);
      await t.http.get(`/api/chats/${opened.body.id}/messages`).set(who).expect(200);
      await t.http.get('/api/chats/anon-limit').set(who).expect(200);

      fake.script({ content: 'Hello, guest.' });
      const sent = await send(t, who, opened.body.id);
      expect({ kind, status: sent.status }).toEqual({ kind, status: 200 });
      const { text, last } = replyOf(sent.events);
      expect({ kind, text, type: last?.type, left: typeof last?.anon_messages_left }).toEqual({
        kind,
        text: 'Hello, guest.',
        type: 'done',
        left: 'number',
      });
    }
  });

  it('still answers 401 on routes that need a user', async () => {
    for (const [kind, authorization] of Object.entries(stale)) {
      const me = await t.http.get('/api/auth/me').set('Authorization', authorization);
      expect({ kind, status: me.status }).toEqual({ kind, status: 401 });
      // Deleting a chat needs a user: a guest session beside the token changes nothing.
      const withSession = await t.http
        .delete(`/api/chats/${randomUUID()}`)
        .set({ ...guest(), Authorization: authorization });
      expect({ kind, status: withSession.status }).toEqual({ kind, status: 401 });
    }
  });

  it('a valid token on a guest route still acts as its user', async () => {
    const opened = await t.http
      .post('/api/chats')
      .set({ ...owner.auth, ...guest() })
      .send({ character_id: character.id })
      .expect(201);
    const [row] = await t.dataSource.query<Array<{ user_id: string; anon_session_id: null }>>(
      `SELECT user_id, anon_session_id FROM chat WHERE id = $1`,
      [opened.body.id],
    );
    expect(row).toEqual({ user_id: owner.id, anon_session_id: null });
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
