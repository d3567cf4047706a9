import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  guest,
  llmEnv,
  messagesOf,
  openChat,
  publicCharacter,
  replyOf,
  send,
} from './chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

describe('chat limits', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let settings: SettingsService;
  let owner: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    settings = t.app.get(SettingsService);
    owner = await createUser(t);
    character = await publicCharacter(t, owner);
  });

  beforeEach(async () => {
    fake.reset();
    await settings.set('daily_message_limit', 200);
    await settings.set('anon_message_limit', 20);
    await settings.set('cost_mode', 'balanced');
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** Sends one message to each chat at once; the statuses and final events. */
  const sendAll = (who: Record<string, string>, chats: string[]) =>
    Promise.all(chats.map((chatId) => send(t, who, chatId, { content: 'Race!' })));

  const openChats = (who: Record<string, string>, n: number) =>
    Promise.all(Array.from({ length: n }, () => openChat(t, who, character.id)));

  it('lets exactly the daily limit through when 20 sends race at the edge', async () => {
    await settings.set('daily_message_limit', 5);
    const user = await createUser(t);
    const chats = await openChats(user.auth, 20);
    const results = await sendAll(user.auth, chats);
    const ok = results.filter((result) => result.status === 200);
    expect(ok).toHaveLength(5);
    for (const result of ok) expect(replyOf(result.events).last).toMatchObject({ type: 'done' });
    const refused = results.filter((result) => result.status !== 200);
    expect(refused.map((result) => result.status)).toEqual(Array(15).fill(429));
    expect(refused[0].body!.message).toMatch(/Daily message limit reached \(5 per day\)/);
    const [{ replies }] = await t.dataSource.query(
      `SELECT count(*)::int AS replies FROM message m JOIN chat c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'user'`,
      [user.id],
    );
    expect(replies).toBe(5);
  });

  it('lets exactly the guest limit through when 20 guest sends race, over all their chats', async () => {
    await settings.set('anon_message_limit', 5);
    const session = guest();
    const chats = await openChats(session, 20);
    const results = await sendAll(session, chats);
    expect(results.filter((result) => result.status === 200)).toHaveLength(5);
    const refused = results.filter((result) => result.status !== 200);
    expect(refused.map((result) => result.status)).toEqual(Array(15).fill(403));
    const left = results
      .filter((result) => result.status === 200)
      .map((result) => replyOf(result.events).last!.anon_messages_left)
      .sort();
    expect(left).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    ['before the chat had a reply', false],
    ['after a reply (its character already known)', true],
  ])(
    'takes nothing when the character went out of reach %s: no message, no claim, no charge',
    async (_when, answeredBefore) => {
      await settings.set('daily_message_limit', answeredBefore ? 4 : 3);
      const user = await createUser(t);
      const hidden = await publicCharacter(t, owner);
      const chatId = await openChat(t, user.auth, hidden.id);
      if (answeredBefore) expect((await send(t, user.auth, chatId)).status).toBe(200);
      const stateOf = async () =>
        (
          await t.dataSource.query(
            `SELECT message_count, updated_at,
                    (SELECT count(*)::int FROM chat_generation WHERE chat_id = $1) AS claims
             FROM chat WHERE id = $1`,
            [chatId],
          )
        )[0];
      const before = { messages: await messagesOf(t, chatId), state: await stateOf() };
      await t.dataSource.query(`UPDATE character SET is_public = false WHERE id = $1`, [hidden.id]);
      await rowCachesCaughtUp(t);
      const refused = await send(t, user.auth, chatId, { content: 'Still there?' });
      expect(refused.status).toBe(404);
      expect(refused.body!.message).toBe('Character not found');
      expect(await messagesOf(t, chatId)).toEqual(before.messages);
      // Not even its place in the chat list moved.
      expect(await stateOf()).toEqual({ ...before.state, claims: 0 });
      // The message was given back: the rest of the daily limit is still there.
      const chats = await openChats(user.auth, 3);
      const results = await sendAll(user.auth, chats);
      expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
    },
  );

  it('names a character out of reach before an exhausted quota', async () => {
    await settings.set('daily_message_limit', 1);
    const user = await createUser(t);
    const hidden = await publicCharacter(t, owner);
    const chatId = await openChat(t, user.auth, hidden.id);
    expect((await send(t, user.auth, chatId)).status).toBe(200);
    await t.dataSource.query(`UPDATE character SET is_public = false WHERE id = $1`, [hidden.id]);
    await rowCachesCaughtUp(t);
    const refused = await send(t, user.auth, chatId, { content: 'Still there?' });
    expect(refused.status).toBe(404);
    expect(refused.body!.message).toBe('Character not found');
    expect((await messagesOf(t, chatId)).map((message) => message.role)).toEqual([
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('lets a guest chat up to the limit, then answers 403 with a clear message', async () => {
    await settings.set('anon_message_limit', 3);
    const session = guest();
    const [first, second] = await openChats(session, 2);
    const left: unknown[] = [];
    for (const chatId of [first, first, second]) {
      const result = await send(t, session, chatId);
      left.push(replyOf(result.events).last!.anon_messages_left);
    }
    expect(left).toEqual([2, 1, 0]);
    const over = await send(t, session, second);
    expect(over.status).toBe(403);
    expect(over.body!.message).toBe('Guests can send 3 messages: sign up to keep chatting');
    const status = await t.http.get('/api/chats/anon-limit').set(session).expect(200);
    expect(status.body).toEqual({ limit: 3, remaining: 0, enabled: true });
    // Another guest session has its own allowance.
    const other = guest();
    expect((await send(t, other, await openChat(t, other, character.id))).status).toBe(200);
  });

  it('turns guest chat off with anon_message_limit 0', async () => {
    const session = guest();
    const chatId = await openChat(t, session, character.id);
    await settings.set('anon_message_limit', 0);
    const created = await t.http
      .post('/api/chats')
      .set(session)
      .send({ character_id: character.id });
    expect(created.status).toBe(403);
    expect(created.body.message).toBe('Guest chat is disabled: please sign up to chat');
    const sent = await send(t, session, chatId);
    expect(sent.status).toBe(403);
    const status = await t.http.get('/api/chats/anon-limit').set(session).expect(200);
    expect(status.body).toEqual({ limit: 0, remaining: 0, enabled: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('lets the cost mode decide which provider answers', async () => {
    const user = await createUser(t);
    const userChat = await openChat(t, user.auth, character.id);
    const session = guest();
    const guestChat = await openChat(t, session, character.id);
    const answeredBy = async (who: Record<string, string>, chatId: string, model?: string) => {
      fake.reset();
      const result = await send(t, who, chatId, { content: 'Hi', ...(model ? { model } : {}) });
      if (result.status !== 200) return result.status;
      expect(replyOf(result.events).last).toMatchObject({ type: 'done' });
      return providerOf(fake.requests[0]);
    };

    await settings.set('cost_mode', 'quality');
    expect(await answeredBy(user.auth, userChat)).toBe('openai');
    expect(await answeredBy(session, guestChat)).toBe('openai');

    await settings.set('cost_mode', 'balanced');
    expect(await answeredBy(user.auth, userChat)).toBe('openai');
    expect(await answeredBy(session, guestChat)).toBe('groq');
    // Refused before the cost mode is asked: no paid provider is on the guests' allowlist.
    expect(await answeredBy(session, guestChat, 'openai')).toBe(400);
    expect(await answeredBy(user.auth, userChat, 'groq')).toBe('groq');

    await settings.set('cost_mode', 'economy');
    expect(await answeredBy(user.auth, userChat)).toBe('groq');
    expect(await answeredBy(session, guestChat)).toBe('groq');
    // On the free allowlist, but the cost mode allows no paid provider.
    expect(await answeredBy(user.auth, userChat, 'openai:gpt-4.1-mini')).toBe(403);

    // The legacy paid_mode switch means quality, whatever the cost mode says.
    await settings.set('paid_mode', true);
    try {
      expect(await answeredBy(session, guestChat)).toBe('openai');
    } finally {
      await settings.set('paid_mode', false);
    }
    expect(await answeredBy(user.auth, userChat)).toBe('groq');

    // The model saved with the reply says who wrote it.
    const [saved] = await t.dataSource.query(
      `SELECT model_used FROM message WHERE chat_id = $1 AND role = 'assistant'
       ORDER BY id DESC LIMIT 1`,
      [userChat],
    );
    expect(saved.model_used).toMatch(/^groq\//);
  });

  it('names a model of a provider when asked to', async () => {
    const user = await createUser(t);
    const chatId = await openChat(t, user.auth, character.id);
    await send(t, user.auth, chatId, { content: 'Hi', model: 'groq:llama-3.3-70b-versatile' });
    expect(fake.requests[0].body!.model).toBe('llama-3.3-70b-versatile');
    expect(providerOf(fake.requests[0])).toBe('groq');
  });
});

describe('chat rate limits', () => {
  let fake: FakeLlm;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: llmEnv(fake) });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('allows one message per 5 seconds per user', async () => {
    const [user, other] = await Promise.all([createUser(t), createUser(t)]);
    const character = await publicCharacter(t, user);
    const chatId = await openChat(t, user.auth, character.id);
    expect((await send(t, user.auth, chatId)).status).toBe(200);
    const second = await t.http
      .post(`/api/chats/${chatId}/message`)
      .set(user.auth)
      .send({ content: 'Again' });
    expect(second.status).toBe(429);
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another user is not held back.
    const theirs = await openChat(t, other.auth, character.id);
    expect((await send(t, other.auth, theirs)).status).toBe(200);
    // Guests are limited by address.
    const session = randomUUID();
    const guestChat = await openChat(t, guest(session), character.id);
    expect((await send(t, guest(session), guestChat)).status).toBe(200);
    expect((await send(t, guest(randomUUID()), guestChat)).status).toBe(429);
  });
});
