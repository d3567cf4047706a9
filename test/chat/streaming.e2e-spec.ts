import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type ChatSignal, ChatSignals } from '../../src/chat/streaming/chat-signals.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { replayLockRace } from '../support/locks.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  eventually,
  guest,
  llmEnv,
  maxTokensOf,
  messagesOf,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
} from './chat-support.js';
import { appendToPath } from '../support/messages.js';

describe('chat replies', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let second: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm();
    const env = { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' };
    t = await createTestApp({ env });
    second = await createTestApp({ env, databaseUrl: t.databaseUrl });
    [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
    character = await publicCharacter(t, owner);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await fake?.close();
  });

  it('streams a reply and saves both messages with the model and token counts', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ content: 'The storm is close, child.', usage: { prompt_tokens: 120 } });
    const res = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'Is the storm close?' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('cache-control')).toContain('no-cache');
    const events = await res.rest();
    const { text, last } = replyOf(events);
    expect(text).toBe('The storm is close, child.');
    expect(events.filter((event) => event.type === 'token').length).toBeGreaterThan(1);
    expect(last).toEqual({
      type: 'done',
      message_id: expect.any(Number),
      user_message_id: expect.any(Number),
    });

    const messages = await messagesOf(t, chatId);
    expect(messages.map(({ role, content, status }) => ({ role, content, status }))).toEqual([
      { role: 'assistant', content: 'Mira looks up. "Storm coming, User."', status: 'complete' },
      { role: 'user', content: 'Is the storm close?', status: 'complete' },
      { role: 'assistant', content: 'The storm is close, child.', status: 'complete' },
    ]);
    expect(messages[1].id).toBe(last!.user_message_id);
    expect(messages[2]).toMatchObject({
      id: last!.message_id,
      model_used: expect.stringMatching(/^openai\//),
      prompt_tokens: 120,
      completion_tokens: 5,
    });
    // Counted on the user right after the reply (nobody waits for it).
    await eventually(async () => {
      const [usage] = await t.dataSource.query(
        `SELECT tokens_used_today, tokens_used_month FROM app_user WHERE id = $1`,
        [alice.id],
      );
      return usage.tokens_used_today === 125 && usage.tokens_used_month === 125;
    });

    // What the model was sent: system prompt, the greeting, the new message; default sampling.
    const sent = fake.requests[0].body!;
    expect(sent.messages![0]).toMatchObject({ role: 'system' });
    expect(String(sent.messages![0].content)).toContain('Mira');
    // (Between them the storytelling instructions, which are tested with the prompt builder.)
    expect(sent.messages!.filter((message) => message.role !== 'system')).toEqual([
      { role: 'assistant', content: 'Mira looks up. "Storm coming, User."' },
      { role: 'user', content: 'Is the storm close?' },
    ]);
    // The post-history instruction is read last.
    expect(sent.messages!.at(-1)!.role).toBe('system');
    expect(sent).toMatchObject({
      temperature: 0.85,
      frequency_penalty: 0.3,
      presence_penalty: 0.3,
    });
    expect(maxTokensOf(fake.requests[0])).toBe(2048);

    const chat = await t.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
    expect(chat.body).toMatchObject({ message_count: 3, generating: false });
    expect(t.errorLogs()).toEqual([]);
  });

  it('uses the NSFW sampling defaults and the overrides, and validates them', async () => {
    const adult = await createUser(t, { adult: true });
    const nsfw = await publicCharacter(t, owner, { content_rating: 'nsfw' });
    const chatId = await openChat(t, adult.auth, nsfw.id);
    expect((await send(t, adult.auth, chatId)).status).toBe(200);
    expect(fake.requests[0].body).toMatchObject({
      temperature: 0.95,
      frequency_penalty: 0.5,
      presence_penalty: 0.5,
    });
    await send(t, adult.auth, chatId, {
      content: 'Again',
      temperature: 0.2,
      top_p: 0.9,
      frequency_penalty: 0,
      presence_penalty: -1,
    });
    expect(fake.requests[1].body).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      frequency_penalty: 0,
      presence_penalty: -1,
    });
    const bad = await send(t, adult.auth, chatId, { content: 'x', temperature: 3, top_k: 0.5 });
    expect(bad.status).toBe(400);
    expect(bad.body!.message).toMatch(/temperature must not be greater than 2/);
    expect(bad.body!.message).toMatch(/top_k must be an integer/);
    const empty = await send(t, adult.auth, chatId, { content: '   ' });
    expect(empty.status).toBe(400);
    const unknown = await send(t, adult.auth, chatId, { content: 'x', model: 'acme' });
    expect(unknown).toMatchObject({ status: 400, body: { message: /Unknown model provider/ } });
    expect(fake.requests).toHaveLength(2);
  });

  it("caps max_tokens at the tier's ceiling in the upstream request", async () => {
    const big = await publicCharacter(t, owner, { max_tokens: 8000 });
    const premium = await createUser(t, { tier: 'premium' });
    const cases: Array<[Record<string, string>, number | undefined, number]> = [
      [alice.auth, 4000, 2048],
      [alice.auth, 100, 100],
      [alice.auth, undefined, 2048],
      [premium.auth, undefined, 4096],
      [premium.auth, 3000, 3000],
      [guest(), 4000, 1024],
    ];
    for (const [who, requested, expected] of cases) {
      fake.reset();
      const chatId = await openChat(t, who, big.id);
      const body = { content: 'Hi', ...(requested ? { max_tokens: requested } : {}) };
      expect((await send(t, who, chatId, body)).status).toBe(200);
      expect(maxTokensOf(fake.requests[0])).toBe(expected);
    }
  });

  it('finishes and saves a reply whose client disconnected; another instance re-attaches', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    const tokens = Array.from({ length: 30 }, (_, i) => ` w${i}`);
    fake.script({ tokens, tokenIntervalMs: 40 });
    const first = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'Tell me a long story' },
    });
    expect(await first.next()).toEqual({ type: 'token', content: ' w0' });
    first.close();

    // Wait until some more was written, then follow the reply from the second instance.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const chat = await second.http.get(`/api/chats/${chatId}`).set(alice.auth).expect(200);
    expect(chat.body.generating).toBe(true);
    const follower = await stream(second.url, `/api/chats/${chatId}/stream`, {
      method: 'GET',
      headers: alice.auth,
    });
    expect(follower.status).toBe(200);
    const events = await follower.rest();
    const { text, last } = replyOf(events);
    expect(text).toBe(tokens.join(''));
    // The replay came first, as one event, then the rest live.
    expect(events[0].content!.length).toBeGreaterThan(' w0 w1'.length);
    expect(events.filter((event) => event.type === 'token').length).toBeGreaterThan(1);
    expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number) });

    const messages = await messagesOf(t, chatId);
    expect(messages[messages.length - 1]).toMatchObject({
      id: last!.message_id,
      content: tokens.join(''),
      status: 'complete',
    });
    expect(fake.abortedCount).toBe(0);

    // Nothing in flight any more: nothing to follow.
    await t.http.get(`/api/chats/${chatId}/stream`).set(alice.auth).expect(204);
    expect([...t.errorLogs(), ...second.errorLogs()]).toEqual([]);
  });

  it('tells a follower on another instance when part of the reply was lost on the way', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    const tokens = Array.from({ length: 20 }, (_, i) => ` w${i}`);
    fake.script({ tokens, tokenIntervalMs: 40 });
    const writer = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'Tell me a story' },
    });
    await writer.next();
    // The writer's signal connection drops one batch of text (a reconnect at that moment).
    const signals = t.app.get(ChatSignals);
    const sendSignal = signals.send.bind(signals);
    let texts = 0;
    signals.send = async (instanceId: string, signal: ChatSignal) => {
      if (signal.t === 'text' && ++texts === 2) throw new Error('connection lost');
      return sendSignal(instanceId, signal);
    };
    try {
      const follower = await stream(second.url, `/api/chats/${chatId}/stream`, {
        method: 'GET',
        headers: alice.auth,
      });
      const { last } = replyOf(await follower.rest());
      expect(last).toEqual({
        type: 'error',
        message: 'Lost track of the reply; reload the chat to see it',
      });
    } finally {
      signals.send = sendSignal;
    }
    // The reply itself is whole, and saved.
    expect(replyOf(await writer.rest()).text).toBe(tokens.slice(1).join(''));
  });

  it('ends a follower on another instance even when the campaign state is too big to signal', async () => {
    const campaign = await publicCharacter(t, owner, { tags: ['dnd'] });
    const chatId = await openChat(t, alice.auth, campaign.id);
    // NOTIFY payloads stop at 8000 bytes: this state (just under the 8000 characters a state
    // may have) leaves no room for the rest of the end signal.
    const state = { log: 'The torch gutters. '.repeat(410) };
    fake.script({
      tokens: [' The', ' door', ' creaks.', ` [STATE ${JSON.stringify(state)}]`],
      tokenIntervalMs: 150,
    });
    const writer = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'I open the door' },
    });
    await writer.next();
    const follower = await stream(second.url, `/api/chats/${chatId}/stream`, {
      method: 'GET',
      headers: alice.auth,
    });
    const followed = replyOf(await follower.rest()).last;
    const written = replyOf(await writer.rest()).last;
    expect(written).toMatchObject({ type: 'done', encounter_state: state });
    // The follower's end went without the game; the saved message has it all.
    expect(followed).toEqual({
      type: 'done',
      message_id: written!.message_id,
      user_message_id: written!.user_message_id,
    });
    const saved = await t.http.get(`/api/chats/${chatId}/messages`).set(alice.auth).expect(200);
    expect(saved.body.messages.at(-1)).toMatchObject({
      id: written!.message_id,
      encounter_state: state,
    });
  });

  it('re-attaches on the same instance too, replaying the text so far', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ tokens: ['a', 'b', 'c', 'd', 'e', 'f'], tokenIntervalMs: 60 });
    const first = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'Go' },
    });
    await first.next();
    await first.next();
    const follower = await stream(t.url, `/api/chats/${chatId}/stream`, {
      method: 'GET',
      headers: alice.auth,
    });
    expect(await follower.next()).toEqual({ type: 'token', content: 'ab' });
    const [mine, theirs] = await Promise.all([first.rest(), follower.rest()]);
    expect(replyOf(mine).last).toEqual(replyOf(theirs).last);
    expect(replyOf(theirs).text).toBe('cdef');
  });

  /** A new chat of Alice's whose reply (50 tokens, 30 ms apart) has just begun streaming. */
  const longReply = async (prefix: string) => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({
      tokens: Array.from({ length: 50 }, (_, i) => ` ${prefix}${i}`),
      tokenIntervalMs: 30,
    });
    const res = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'Talk' },
    });
    return { chatId, res };
  };

  it('stops a reply: the upstream request is aborted and the part so far saved as stopped', async () => {
    const { chatId, res } = await longReply('s');
    const received = [(await res.next())!, (await res.next())!];
    const stopped = await t.http.post(`/api/chats/${chatId}/stop`).set(alice.auth).expect(200);
    expect(stopped.body).toEqual({ stopped: true, message_id: expect.any(Number) });
    await fake.waitForAborted(1);
    const { text, last } = replyOf([...received, ...(await res.rest())]);
    expect(last).toEqual({
      type: 'done',
      message_id: stopped.body.message_id,
      user_message_id: expect.any(Number),
      stopped: true,
    });
    const saved = (await messagesOf(t, chatId)).pop()!;
    expect(saved).toMatchObject({ id: stopped.body.message_id, status: 'stopped', content: text });
    expect(text.startsWith(' s0 s1')).toBe(true);
    expect(text.length).toBeLessThan(50 * 4);

    // Nothing left to stop.
    const again = await t.http.post(`/api/chats/${chatId}/stop`).set(alice.auth).expect(200);
    expect(again.body).toEqual({ stopped: false, message_id: null });
  });

  it('stops a reply running on another instance', async () => {
    const { chatId, res } = await longReply('r');
    await res.next();
    const stopped = await second.http.post(`/api/chats/${chatId}/stop`).set(alice.auth).expect(200);
    expect(stopped.body).toEqual({ stopped: true, message_id: expect.any(Number) });
    await fake.waitForAborted(1);
    expect(replyOf(await res.rest()).last).toMatchObject({ type: 'done', stopped: true });
    expect((await messagesOf(t, chatId)).pop()).toMatchObject({ status: 'stopped' });
  });

  it('stops a reply running on another instance when its chat is deleted', async () => {
    const { chatId, res } = await longReply('r');
    await res.next();
    await second.http.delete(`/api/chats/${chatId}`).set(alice.auth).expect(204);
    // Upstream cut off long before its 50 tokens, and nothing written to a deleted chat.
    await fake.waitForAborted(1, 1000);
    expect(replyOf(await res.rest()).last).toEqual({
      type: 'error',
      message: 'This chat was deleted',
    });
    const [{ messages }] = await t.dataSource.query(
      `SELECT count(*)::int AS messages FROM message WHERE chat_id = $1`,
      [chatId],
    );
    expect(messages).toBe(0);
    expect(t.errorLogs()).toEqual([]);
  });

  it('lets an edit of the last message and a new message meet without a deadlock (409)', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    await send(t, alice.auth, chatId, { content: 'Helo' });
    const outcome = await replayLockRace(t, {
      hold: ['SELECT 1 FROM chat WHERE id = $1 FOR NO KEY UPDATE', [chatId]],
      first: () =>
        stream(t.url, `/api/chats/${chatId}/messages/last`, {
          method: 'PUT',
          headers: alice.auth,
          body: { content: 'Hello' },
        }).then(async (res) => ({ status: res.status, events: await res.rest() })),
      second: () => send(t, alice.auth, chatId, { content: 'Are you there?' }),
    });
    expect(outcome.first).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
    expect(outcome.second).toMatchObject({
      status: 'fulfilled',
      value: { status: 409, body: { message: expect.stringMatching(/reply is being written/) } },
    });
    const after = await messagesOf(t, chatId);
    expect(after.map((m) => m.content)).not.toContain('Are you there?');
    expect(after.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant']);
    expect(t.errorLogs()).toEqual([]);
  });

  it('answers 404 to a message sent while its chat is being deleted', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    const outcome = await replayLockRace(t, {
      hold: ['SELECT 1 FROM chat WHERE id = $1 FOR NO KEY UPDATE', [chatId]],
      first: () => t.dataSource.query('DELETE FROM chat WHERE id = $1', [chatId]),
      second: () => send(t, alice.auth, chatId, { content: 'Still there?' }),
    });
    expect(outcome.first.status).toBe('fulfilled');
    expect(outcome.second).toMatchObject({
      status: 'fulfilled',
      value: { status: 404, body: { message: 'Chat not found' } },
    });
    expect(t.errorLogs()).toEqual([]);
  });

  it('allows one reply per chat at a time, across instances (409)', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ fault: 'stall' });
    const running = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'First' },
    });
    expect(running.status).toBe(200);
    for (const app of [t, second]) {
      const blocked = await send(app, alice.auth, chatId, { content: 'Second' });
      expect(blocked.status).toBe(409);
      expect(blocked.body!.message).toMatch(/reply is being written/);
    }
    const regenerate = await stream(second.url, `/api/chats/${chatId}/regenerate`, {
      headers: alice.auth,
      body: {},
    });
    expect(regenerate.status).toBe(409);
    // Another chat is not affected.
    const other = await openChat(t, alice.auth, character.id);
    expect((await send(t, alice.auth, other)).status).toBe(200);

    await t.http.post(`/api/chats/${chatId}/stop`).set(alice.auth).expect(200);
    expect(replyOf(await running.rest()).last).toMatchObject({ type: 'done', message_id: null });
    expect((await send(second, alice.auth, chatId, { content: 'Now' })).status).toBe(200);
    // The stopped reply had no text: only the user message stays, unanswered.
    expect((await messagesOf(t, chatId)).map((m) => m.content)).toEqual([
      expect.any(String),
      'First',
      'Now',
      expect.any(String),
    ]);
  });

  it('saves a reply still running at shutdown as stopped, after the grace period', async () => {
    const leaving = await createTestApp({
      env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0', SHUTDOWN_TIMEOUT_MS: '300' },
      databaseUrl: t.databaseUrl,
    });
    const chatId = await openChat(leaving, alice.auth, character.id);
    fake.script({ tokens: Array.from({ length: 100 }, (_, i) => ` z${i}`), tokenIntervalMs: 20 });
    const res = await stream(leaving.url, `/api/chats/${chatId}/message`, {
      headers: alice.auth,
      body: { content: 'Talk until closing time' },
    });
    await res.next();
    res.close();
    await leaving.close();
    const saved = (await messagesOf(t, chatId)).pop()!;
    expect(saved).toMatchObject({ role: 'assistant', status: 'stopped' });
    expect(saved.content.startsWith(' z0 z1')).toBe(true);
    expect(saved.content.length).toBeLessThan(100 * 4);
    await fake.waitForAborted(1);
    expect(leaving.errorLogs()).toEqual([]);
  });

  it('does not let a crashed instance lock a chat forever', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    await t.dataSource.query(
      `INSERT INTO chat_generation (chat_id, instance_id, heartbeat_at)
       VALUES ($1, gen_random_uuid(), now() - interval '1 minute')`,
      [chatId],
    );
    expect((await send(t, alice.auth, chatId)).status).toBe(200);
    await t.http.get(`/api/chats/${chatId}/stream`).set(alice.auth).expect(204);
  });

  it('regenerates the last reply', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    fake.script({ content: 'First answer.' });
    await send(t, alice.auth, chatId, { content: 'Question' });
    const before = await messagesOf(t, chatId);

    fake.script({ content: 'Second answer.' });
    const res = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
      headers: alice.auth,
      body: { temperature: 1.2 },
    });
    const { text, last } = replyOf(await res.rest());
    expect(text).toBe('Second answer.');
    const after = await messagesOf(t, chatId);
    expect(after.map((m) => m.content)).toEqual([before[0].content, 'Question', 'Second answer.']);
    expect(after[2].id).toBe(last!.message_id);
    expect(last!.user_message_id).toBe(before[1].id);
    // The model saw the question, not the replaced answer.
    const sent = fake.requests[fake.requests.length - 1].body!;
    expect(sent.temperature).toBe(1.2);
    expect(JSON.stringify(sent.messages)).not.toContain('First answer.');
    expect((await t.http.get(`/api/chats/${chatId}`).set(alice.auth)).body.message_count).toBe(3);

    const fresh = await openChat(t, alice.auth, character.id);
    const nothing = await stream(t.url, `/api/chats/${fresh}/regenerate`, {
      headers: alice.auth,
      body: {},
    });
    expect(nothing).toMatchObject({ status: 409, body: { message: /no reply to regenerate/ } });
    // The failed attempt gave the chat back.
    expect((await send(t, alice.auth, fresh)).status).toBe(200);
  });

  it('edits the last user message and replaces its reply', async () => {
    const chatId = await openChat(t, alice.auth, character.id);
    await send(t, alice.auth, chatId, { content: 'Helo' });
    fake.script({ content: 'Hello to you.' });
    const res = await stream(t.url, `/api/chats/${chatId}/messages/last`, {
      method: 'PUT',
      headers: alice.auth,
      body: { content: 'Hello' },
    });
    expect(res.status).toBe(200);
    const { last } = replyOf(await res.rest());
    const after = await messagesOf(t, chatId);
    expect(after.map((m) => [m.role, m.content])).toEqual([
      ['assistant', expect.any(String)],
      ['user', 'Hello'],
      ['assistant', 'Hello to you.'],
    ]);
    expect(last).toMatchObject({ user_message_id: after[1].id, message_id: after[2].id });
    const sent = fake.requests[fake.requests.length - 1].body!;
    expect(sent.messages!.at(-2)).toEqual({ role: 'user', content: 'Hello' });
    expect((await t.http.get(`/api/chats/${chatId}`).set(alice.auth)).body.message_count).toBe(3);

    const fresh = await openChat(t, alice.auth, character.id);
    const nothing = await stream(t.url, `/api/chats/${fresh}/messages/last`, {
      method: 'PUT',
      headers: alice.auth,
      body: { content: 'Hi' },
    });
    expect(nothing).toMatchObject({ status: 409, body: { message: /no message of yours/ } });
  });

  it("sends only the tier's latest messages, plus the summary, whatever the chat's length", async () => {
    const guestHeaders = guest();
    const chatId = await openChat(t, guestHeaders, character.id);
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: 500 }, (_, i) => ({
        role: (i + 1) % 2 === 1 ? ('user' as const) : ('assistant' as const),
        content: `old message ${i + 1}`,
      })),
    );
    await t.dataSource.query(`UPDATE chat SET summary = 'They met at the pier.' WHERE id = $1`, [
      chatId,
    ]);
    await send(t, guestHeaders, chatId, { content: 'And now?' });
    const sent = fake.requests[0].body!.messages!;
    // The summary is a system block of its own, after the system prompt.
    expect(sent[0].content).not.toContain('They met at the pier.');
    expect(
      sent.some((m) => m.role === 'system' && String(m.content).includes('They met at the pier.')),
    ).toBe(true);
    // Guests: 10 context messages, the new one included.
    expect(sent.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `old message ${492 + i}`),
      'And now?',
    ]);
  });
});
