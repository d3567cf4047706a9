import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  BROWSER_HEADERS,
  login,
  RELAXED_AUTH_ENV,
  registerUser,
  solvedChallenge,
  uniqueEmail,
} from '../support/auth.js';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { documentedPaths } from '../support/openapi.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { guest, llmEnv, openChat, publicCharacter, send } from './chat-support.js';
import { appendToPath } from '../support/messages.js';

describe('chats', () => {
  let fake: FakeLlm;
  let google: FakeGoogle;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let character: { id: string; slug: string };

  beforeAll(async () => {
    [fake, google] = await Promise.all([startFakeLlm(), startFakeGoogle()]);
    t = await createTestApp({ env: { ...llmEnv(fake), ...RELAXED_AUTH_ENV, ...google.env } });
    [owner, alice, bob] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
    character = await publicCharacter(t, owner, { name: 'Mira' });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([fake?.close(), google?.close()]);
  });

  const realChatCount = async (id: string): Promise<number> =>
    (await t.dataSource.query(`SELECT real_chat_count FROM character WHERE id = $1`, [id]))[0]
      .real_chat_count;

  describe('opening chats', () => {
    it('opens a chat with the greeting, returns it again, and opens another with force_new', async () => {
      const user = await createUser(t);
      const created = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id })
        .expect(201);
      const mira = {
        id: character.id,
        slug: character.slug,
        name: 'Mira',
        avatar_url: '/api/avatars/x.png',
        content_rating: 'sfw',
        deleted: false,
      };
      expect(created.body).toEqual({
        id: expect.any(String),
        kind: 'direct',
        character: mira,
        members: [mira],
        muted_member_ids: [],
        persona_name: null,
        persona_description: null,
        title: null,
        language: 'en',
        campaign_id: null,
        summary: null,
        message_count: 1,
        generating: false,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(await realChatCount(character.id)).toBeGreaterThanOrEqual(1);
      const count = await realChatCount(character.id);

      const again = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.slug })
        .expect(200);
      expect(again.body.id).toBe(created.body.id);
      const fresh = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id, force_new: true })
        .expect(201);
      expect(fresh.body.id).not.toBe(created.body.id);
      // Counted once per person: the same user's second chat does not move it, another's does.
      expect(await realChatCount(character.id)).toBe(count);
      const other = await createUser(t);
      await t.http
        .post('/api/chats')
        .set(other.auth)
        .send({ character_id: character.id })
        .expect(201);
      expect(await realChatCount(character.id)).toBe(count + 1);

      // Without force_new, the most recent chat with the character comes back.
      const latest = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id })
        .expect(200);
      expect(latest.body.id).toBe(fresh.body.id);

      const messages = await t.http
        .get(`/api/chats/${created.body.id}/messages`)
        .set(user.auth)
        .expect(200);
      expect(messages.body).toEqual({
        messages: [
          {
            id: expect.any(Number),
            role: 'assistant',
            character_id: character.id,
            // The first message: an opening, the only one (no alternate greetings).
            parent_id: null,
            alternative_index: 0,
            alternative_count: 1,
            edited_at: null,
            proactive: false,
            content: 'Mira looks up. "Storm coming, User."',
            status: 'complete',
            model_used: null,
            prompt_tokens: null,
            completion_tokens: null,
            dice_rolls: null,
            encounter_state: null,
            lorebook_entries: null,
            memory_used: null,
            created_at: expect.any(String),
          },
        ],
        has_more: false,
      });
    });

    it('opens one chat when the same request comes twice at once', async () => {
      const user = await createUser(t);
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http.post('/api/chats').set(user.auth).send({ character_id: character.id }),
        ),
      );
      expect(new Set(results.map((res) => res.body.id)).size).toBe(1);
      expect(results.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 201]);
    });

    it('fills the greeting with names taken literally, "$&" and the like included', async () => {
      const user = await createUser(t);
      const persona = await t.http
        .post('/api/personas')
        .set(user.auth)
        .send({ name: "Cash $& $' $1" })
        .expect(201);
      const chat = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id, force_new: true, persona_id: persona.body.id })
        .expect(201);
      const messages = await t.http
        .get(`/api/chats/${chat.body.id}/messages`)
        .set(user.auth)
        .expect(200);
      expect(messages.body.messages[0].content).toBe(
        `Mira looks up. "Storm coming, Cash $& $' $1."`,
      );
    });

    it('copies the persona into the chat: the chosen one, else the default', async () => {
      const user = await createUser(t);
      const persona = async (name: string, isDefault: boolean) =>
        (
          await t.http
            .post('/api/personas')
            .set(user.auth)
            .send({ name, description: `${name} the brave`, is_default: isDefault })
            .expect(201)
        ).body as { id: string };
      const knight = await persona('Knight', false);
      const bard = await persona('Bard', true);
      const byDefault = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id, force_new: true })
        .expect(201);
      expect(byDefault.body).toMatchObject({
        persona_name: 'Bard',
        persona_description: 'Bard the brave',
      });
      const chosen = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_id: character.id, force_new: true, persona_id: knight.id })
        .expect(201);
      expect(chosen.body).toMatchObject({
        persona_name: 'Knight',
        persona_description: 'Knight the brave',
      });
      const greeting = await t.http
        .get(`/api/chats/${chosen.body.id}/messages`)
        .set(user.auth)
        .expect(200);
      expect(greeting.body.messages[0].content).toBe('Mira looks up. "Storm coming, Knight."');

      // A later edit of the persona does not rewrite the chat.
      await t.http
        .put(`/api/personas/${knight.id}`)
        .set(user.auth)
        .send({ name: 'Paladin' })
        .expect(200);
      const kept = await t.http.get(`/api/chats/${chosen.body.id}`).set(user.auth).expect(200);
      expect(kept.body.persona_name).toBe('Knight');

      // Someone else's persona is no persona.
      await t.http
        .post('/api/chats')
        .set(alice.auth)
        .send({ character_id: character.id, persona_id: bard.id })
        .expect(404);
    });

    it('refuses unknown and hidden characters and bad bodies', async () => {
      await t.http
        .post('/api/chats')
        .set(alice.auth)
        .send({ character_id: randomUUID() })
        .expect(404);
      const [draft] = await t.dataSource.query(
        `INSERT INTO character (slug, owner_id, name) VALUES ($1, $2, 'Secret') RETURNING id`,
        [`secret-${randomUUID().slice(0, 8)}`, owner.id],
      );
      await t.http.post('/api/chats').set(alice.auth).send({ character_id: draft.id }).expect(404);
      await t.http.post('/api/chats').set(owner.auth).send({ character_id: draft.id }).expect(201);
      const nsfw = await publicCharacter(t, owner, { content_rating: 'nsfw' });
      await t.http.post('/api/chats').set(alice.auth).send({ character_id: nsfw.id }).expect(404);
      await t.http.post('/api/chats').set(guest()).send({ character_id: nsfw.id }).expect(404);

      const bad = await t.http
        .post('/api/chats')
        .set(alice.auth)
        .send({ character_id: character.id, force_new: 'yes', persona_id: 'x', extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/property extra should not exist/);
      expect(bad.body.message).toMatch(/force_new must be a boolean/);
      expect(bad.body.message).toMatch(/persona_id must be a UUID/);
    });
  });

  describe('reading chats', () => {
    it('lists my chats, latest activity first, with the character and the last message', async () => {
      const user = await createUser(t);
      const other = await publicCharacter(t, owner, { name: 'Orin', greeting: '' });
      const first = await openChat(t, user.auth, character.id);
      const second = await openChat(t, user.auth, other.id);
      fake.script({ content: 'Aye.' });
      await send(t, user.auth, first, { content: 'Ahoy' });

      const page = await t.http.get('/api/chats').set(user.auth).expect(200);
      expect(page.body).toMatchObject({ page: 1, page_size: 20, has_more: false });
      expect(page.body.items.map((chat: { id: string }) => chat.id)).toEqual([first, second]);
      expect(page.body.items[0]).toMatchObject({
        character: { id: character.id, name: 'Mira' },
        message_count: 3,
        last_message: { role: 'assistant', content: 'Aye.', status: 'complete' },
      });
      expect(page.body.items[1]).toMatchObject({
        character: { name: 'Orin' },
        message_count: 0,
        last_message: null,
      });

      const small = await t.http.get('/api/chats?page_size=1&page=2').set(user.auth).expect(200);
      expect(small.body).toMatchObject({ page: 2, page_size: 1, has_more: false });
      expect(small.body.items.map((chat: { id: string }) => chat.id)).toEqual([second]);
      const bad = await t.http.get('/api/chats?page_size=500').set(user.auth);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/page_size must not be greater than 100/);

      // Others see none of them.
      const theirs = await t.http.get('/api/chats').set(bob.auth).expect(200);
      expect(theirs.body.items.map((chat: { id: string }) => chat.id)).not.toContain(first);
    });

    it('pages through messages with before_id, oldest first within a page', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      await appendToPath(
        t.dataSource,
        chatId,
        Array.from({ length: 119 }, (_, i) => ({ role: 'user' as const, content: `m${i + 1}` })),
      );
      const seen: string[] = [];
      let beforeId: number | undefined;
      for (;;) {
        const query = `limit=50${beforeId ? `&before_id=${beforeId}` : ''}`;
        const { body } = await t.http
          .get(`/api/chats/${chatId}/messages?${query}`)
          .set(alice.auth)
          .expect(200);
        const ids = body.messages.map((message: { id: number }) => message.id);
        expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
        seen.unshift(...body.messages.map((message: { content: string }) => message.content));
        if (!body.has_more) break;
        beforeId = ids[0];
      }
      expect(seen).toEqual([
        'Mira looks up. "Storm coming, User."',
        ...Array.from({ length: 119 }, (_, i) => `m${i + 1}`),
      ]);
      const latest = await t.http.get(`/api/chats/${chatId}/messages?limit=2`).set(alice.auth);
      expect(latest.body).toMatchObject({
        messages: [{ content: 'm118' }, { content: 'm119' }],
        has_more: true,
      });
      const bad = await t.http
        .get(`/api/chats/${chatId}/messages?limit=0&before_id=x`)
        .set(alice.auth);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/limit must not be less than 1/);
      expect(bad.body.message).toMatch(/before_id must be an integer/);
      for (const huge of ['1e20', '1e21', '9007199254740993']) {
        const res = await t.http
          .get(`/api/chats/${chatId}/messages?before_id=${huge}`)
          .set(alice.auth);
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/before_id must not be greater than/);
      }
    });

    it('keeps chats with a deleted character readable, but closed to new messages', async () => {
      const doomed = await publicCharacter(t, owner, { name: 'Doomed' });
      const chatId = await openChat(t, alice.auth, doomed.id);
      await t.http.delete(`/api/characters/${doomed.id}`).set(owner.auth).expect(204);
      const chat = await t.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
      expect(chat.body.character).toMatchObject({ name: 'Doomed', deleted: true });
      await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200);
      expect((await send(t, alice.auth, chatId)).status).toBe(404);
    });
  });

  describe('who may do what', () => {
    it('keeps my chat from other users and guests, whatever they try (404)', async () => {
      const chatId = await openChat(t, alice.auth, character.id);
      const guestChat = await openChat(t, guest(randomUUID()), character.id);
      fake.reset();
      for (const who of [bob.auth, guest()]) {
        await t.http.get(`/api/chats/${chatId}`).set(who).expect(404);
        await t.http.get(`/api/chats/${chatId}/messages`).set(who).expect(404);
        await t.http.get(`/api/chats/${chatId}/stream`).set(who).expect(404);
        await t.http.post(`/api/chats/${chatId}/stop`).set(who).expect(404);
        expect((await send(t, who, chatId)).status).toBe(404);
      }
      await t.http.delete(`/api/chats/${chatId}`).set(bob.auth).expect(404);
      // A signed-in user does not reach guest chats either.
      await t.http.get(`/api/chats/${guestChat}`).set(alice.auth).expect(404);
      expect(fake.requests).toHaveLength(0);
    });

    it('needs a session header or a token, and valid ids', async () => {
      const missing = await t.http.get('/api/chats');
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/X-Anon-Session/);
      const malformed = await t.http.get('/api/chats').set('X-Anon-Session', 'not-a-uuid');
      expect(malformed.status).toBe(400);
      expect(malformed.body.message).toBe('X-Anon-Session must be a UUID');
      const badId = await t.http.get('/api/chats/123').set(alice.auth);
      expect(badId.status).toBe(400);
      expect(badId.body.message).toMatch(/uuid/);
    });

    it('lets only signed-in owners delete chats', async () => {
      const session = randomUUID();
      const guestChat = await openChat(t, guest(session), character.id);
      await t.http.delete(`/api/chats/${guestChat}`).set(guest(session)).expect(401);
      const chatId = await openChat(t, alice.auth, character.id);
      await t.http.delete(`/api/chats/${chatId}`).set(alice.auth).expect(204);
      await t.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(404);
      const [{ count }] = await t.dataSource.query(
        `SELECT count(*)::int AS count FROM message WHERE chat_id = $1`,
        [chatId],
      );
      expect(count).toBe(0);
    });

    it('answers /anon-limit rather than taking it for a chat id', async () => {
      const res = await t.http.get('/api/chats/anon-limit').set(guest()).expect(200);
      expect(res.body).toEqual({ limit: 20, remaining: 20, enabled: true });
      await t.http.get('/api/chats/anon-limit').expect(200);
    });
  });

  describe('guests signing in', () => {
    const guestChatsOf = async (session: string) =>
      (await t.http.get('/api/chats').set(guest(session)).expect(200)).body.items.map(
        (chat: { id: string }) => chat.id,
      );
    const chatsOf = async (token: string) =>
      (await t.http.get('/api/chats').auth(token, { type: 'bearer' }).expect(200)).body.items.map(
        (chat: { id: string }) => chat.id,
      );

    it('moves the guest chats to the account on login and on registration', async () => {
      const account = await registerUser(t);
      const session = randomUUID();
      const chatId = await openChat(t, guest(session), character.id);
      expect(await guestChatsOf(session)).toEqual([chatId]);

      const token = (
        await t.http
          .post('/api/auth/login')
          .set({ ...BROWSER_HEADERS, ...guest(session) })
          .send({ email: account.email, password: account.password })
          .expect(200)
      ).body.access_token;
      expect(await chatsOf(token)).toEqual([chatId]);
      expect(await guestChatsOf(session)).toEqual([]);
      const messages = await t.http
        .get(`/api/chats/${chatId}/messages`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      expect(messages.body.messages).toHaveLength(1);

      // Signing in again without the header changes nothing.
      expect(await chatsOf(await login(t, account.email, account.password))).toEqual([chatId]);

      const other = randomUUID();
      const otherChat = await openChat(t, guest(other), character.id);
      const registered = await registerWithSession(other);
      expect(await chatsOf(registered)).toEqual([otherChat]);
    });

    it('moves them on Google sign-in, the session riding in the state cookie', async () => {
      const session = randomUUID();
      const chatId = await openChat(t, guest(session), character.id);
      const started = await t.http.post('/api/auth/google/start').set(guest(session)).expect(200);
      const cookie = ([] as string[]).concat(started.headers['set-cookie'])[0].split(';')[0];
      google.profile = {
        sub: `g-${randomUUID()}`,
        email: `${randomUUID()}@gmail.com`,
        email_verified: true,
      };
      const consent = await fetch(started.body.url, { redirect: 'manual' });
      const callback = new URL(consent.headers.get('location')!);
      const done = await t.http
        .get(`${callback.pathname}${callback.search}`)
        .set('Cookie', cookie)
        .expect(302);
      const token = new URLSearchParams(new URL(done.headers.location).hash.slice(1)).get(
        'access_token',
      )!;
      expect(await chatsOf(token)).toEqual([chatId]);

      // The session cannot be swapped in the cookie: it is bound into the state's HMAC.
      const again = await t.http
        .post('/api/auth/google/start')
        .set(guest(randomUUID()))
        .expect(200);
      const forged = ([] as string[])
        .concat(again.headers['set-cookie'])[0]
        .split(';')[0]
        .replace(/\.[0-9a-f-]+$/, `.${session}`);
      const consent2 = await fetch(again.body.url, { redirect: 'manual' });
      const callback2 = new URL(consent2.headers.get('location')!);
      const refused = await t.http
        .get(`${callback2.pathname}${callback2.search}`)
        .set('Cookie', forged)
        .expect(302);
      expect(refused.headers.location).toMatch(/\/auth\/callback#error=invalid_state$/);
      await t.http.get('/api/auth/google?anon_session=nope').expect(400);
    });

    async function registerWithSession(session: string): Promise<string> {
      const res = await t.http
        .post('/api/auth/register')
        .set({ ...BROWSER_HEADERS, ...guest(session) })
        .send({
          email: uniqueEmail('guest'),
          password: 'correct horse battery staple',
          ...(await solvedChallenge(t)),
        })
        .expect(201);
      return res.body.access_token;
    }
  });

  it('documents every chat endpoint in OpenAPI with a summary and error shapes', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    expect(documentedPaths(body, '/api/chats', 'chats')).toEqual([
      '/api/chats',
      '/api/chats/anon-limit',
      '/api/chats/import',
      '/api/chats/search',
      '/api/chats/{id}',
      '/api/chats/{id}/branch',
      '/api/chats/{id}/continue',
      '/api/chats/{id}/export',
      '/api/chats/{id}/generate-persona-reply',
      '/api/chats/{id}/impersonate',
      '/api/chats/{id}/members',
      '/api/chats/{id}/members/{character_id}',
      '/api/chats/{id}/memory',
      '/api/chats/{id}/message',
      '/api/chats/{id}/messages',
      '/api/chats/{id}/messages/last',
      '/api/chats/{id}/messages/{message_id}',
      '/api/chats/{id}/messages/{message_id}/resend',
      '/api/chats/{id}/messages/{message_id}/select',
      '/api/chats/{id}/proactive',
      '/api/chats/{id}/regenerate',
      '/api/chats/{id}/rewind',
      '/api/chats/{id}/settings',
      '/api/chats/{id}/stop',
      '/api/chats/{id}/stream',
      '/api/chats/{id}/stream-ticket',
    ]);
    const send = body.paths['/api/chats/{id}/message'].post;
    expect(Object.keys(send.responses['200'].content)).toEqual(['text/event-stream']);
    expect(Object.keys(send.responses).sort()).toEqual([
      '200',
      '400',
      '403',
      '404',
      '409',
      '422',
      '429',
    ]);
  });
});
