import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { MODEL_COOLDOWN_MS } from '../../src/llm/availability/provider-availability.service.js';
import { controlClock } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  failAll,
  llmEnv,
  messagesOf,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
} from './chat-support.js';

describe('chat replies when the model fails', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let clock: { advance(ms: number): void };
  let owner: TestUser;
  let alice: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    clock = controlClock(t.app);
    [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
    character = await publicCharacter(t, owner);
  });

  beforeEach(() => fake.reset());

  // Failed models cool down for 15 minutes; each test starts with all of them usable again.
  afterEach(() => clock.advance(MODEL_COOLDOWN_MS + 1));

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('reports an error event, saves no reply and gives the message back', async () => {
    const settings = t.app.get(SettingsService);
    await settings.set('daily_message_limit', 1);
    try {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      const recover = failAll(fake, { fault: 'status', status: 500 });
      const failed = await send(t, user.auth, chatId, { content: 'Hello?' });
      expect(failed.status).toBe(200);
      expect(failed.events).toEqual([
        { type: 'error', message: 'The language model did not answer, please retry shortly' },
      ]);
      // Every model of both providers was tried.
      expect(fake.requests.length).toBeGreaterThan(2);
      const messages = await messagesOf(t, chatId);
      expect(messages.map((message) => message.role)).toEqual(['assistant', 'user']);

      // The message was given back: the one allowed today still works, and regenerating
      // answers the unanswered message.
      clock.advance(MODEL_COOLDOWN_MS + 1);
      recover();
      const retried = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
        headers: user.auth,
        body: {},
      });
      expect(retried.status).toBe(200);
      const { last } = replyOf(await retried.rest());
      expect(last).toMatchObject({ type: 'done', user_message_id: messages[1].id });
      expect((await send(t, user.auth, chatId)).status).toBe(429);
      expect(t.errorLogs()).toEqual([]);
    } finally {
      await settings.set('daily_message_limit', 200);
    }
  });

  it('saves nothing when its claim on the chat was taken over meanwhile, and gives the message back', async () => {
    const settings = t.app.get(SettingsService);
    await settings.set('daily_message_limit', 1);
    try {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      fake.script({ tokens: [' One', ' two', ' three'], tokenIntervalMs: 100 });
      const res = await stream(t.url, `/api/chats/${chatId}/message`, {
        headers: user.auth,
        body: { content: 'Tell me a story' },
      });
      expect(await res.next()).toMatchObject({ type: 'token' });
      // Another instance took the chat over after this one's claim lapsed (database away).
      await t.dataSource.query(
        `UPDATE chat_generation SET instance_id = gen_random_uuid() WHERE chat_id = $1`,
        [chatId],
      );
      const { last } = replyOf(await res.rest());
      expect(last).toEqual({
        type: 'error',
        message: 'Another reply took over this chat meanwhile: reload it to see where it stands',
      });
      const messages = await messagesOf(t, chatId);
      expect(messages.map((message) => message.role)).toEqual(['assistant', 'user']);
      // The other reply's claim is left alone.
      const [{ claims }] = await t.dataSource.query(
        `SELECT count(*)::int AS claims FROM chat_generation WHERE chat_id = $1`,
        [chatId],
      );
      expect(claims).toBe(1);
      await t.dataSource.query(`DELETE FROM chat_generation WHERE chat_id = $1`, [chatId]);
      // The message was given back: today's one message still goes through.
      expect((await send(t, user.auth, chatId)).status).toBe(200);
      expect(t.errorLogs()).toEqual([]);
    } finally {
      await settings.set('daily_message_limit', 200);
    }
  });

  it('shows admins what failed', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const chatId = await openChat(t, admin.auth, character.id);
    failAll(fake, { fault: 'status', status: 500, body: { error: { message: 'GPU on fire' } } });
    const { events } = await send(t, admin.auth, chatId);
    expect(events).toHaveLength(1);
    expect(events[0].message).toMatch(/openai\/[^:]+: server \(500 GPU on fire\)/);
    expect(events[0].message).toMatch(/groq\/[^:]+: server \(500 GPU on fire\)/);
  });

  it('shows moderation refusals to everyone', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    failAll(fake, {
      fault: 'status',
      status: 400,
      body: { error: { message: 'Your request was flagged by our moderation system' } },
    });
    const { events } = await send(t, alice.auth, chatId);
    expect(events).toEqual([
      {
        type: 'error',
        message:
          'The model refused this message: 400 Your request was flagged by our moderation system',
      },
    ]);
  });

  it('discards a reply that breaks off mid-stream', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ fault: 'drop', afterTokens: 3 });
    const { events } = await send(t, alice.auth, chatId);
    expect(replyOf(events)).toEqual({
      text: 'Hello from the',
      last: {
        type: 'error',
        message: 'The language model stopped in the middle of its reply, please retry',
      },
    });
    expect((await messagesOf(t, chatId)).map((message) => message.role)).toEqual([
      'assistant',
      'user',
    ]);
  });

  it('keeps the old reply when regenerating it fails', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ content: 'First answer.' });
    await send(t, alice.auth, chatId, { content: 'Question' });
    const before = await messagesOf(t, chatId);
    failAll(fake, { fault: 'status', status: 503 });
    const failed = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
      headers: alice.auth,
      body: {},
    });
    expect(replyOf(await failed.rest()).last).toMatchObject({ type: 'error' });
    expect(await messagesOf(t, chatId)).toEqual(before);
  });
});
