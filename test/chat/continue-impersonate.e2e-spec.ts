import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  failAll,
  guest,
  llmEnv,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
} from './chat-support.js';
import { MODEL_COOLDOWN_MS } from '../../src/llm/availability/provider-availability.service.js';
import { controlClock } from '../llm/llm-test-support.js';

type UpstreamMessage = { role: string; content: string };

interface ApiMessage {
  id: number;
  role: string;
  character_id: string | null;
  content: string;
  status: string;
  completion_tokens: number | null;
}

/** The nudge at the end of an English continue prompt (storytelling/continue.ts). */
const CONTINUE_NUDGE = /^Continue your last message from exactly where it stops\./;

/**
 * Issue #17 items 5 and 6: continue (more of the last reply, appended to it) and impersonate
 * (the user's next line, suggested as their persona, streamed and not saved).
 */
describe('continue and impersonate', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let admin: TestUser;
  let mira: { id: string };
  let bram: { id: string };
  let clock: { advance(ms: number): void };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    clock = controlClock(t.app);
    [owner, admin] = await Promise.all([createUser(t), createUser(t, { role: 'admin' })]);
    [mira, bram] = await Promise.all([
      publicCharacter(t, owner, { name: 'Mira', greeting: 'Mira looks up from the lamp.' }),
      publicCharacter(t, owner, { name: 'Bram', greeting: 'Bram tips his hat.' }),
    ]);
  });

  beforeEach(() => {
    fake.reset();
    // A model a failed reply put on cooldown (auto routing) is back.
    clock.advance(MODEL_COOLDOWN_MS + 1);
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  const messagesSent = (request: RecordedRequest): UpstreamMessage[] =>
    request.body!.messages as UpstreamMessage[];

  const apiMessages = async (who: Record<string, string>, chatId: string): Promise<ApiMessage[]> =>
    (await t.http.get(`/api/chats/${chatId}/messages?limit=100`).set(who).expect(200)).body
      .messages;

  const quotaUsed = async (subject: string): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
      `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
      [subject],
    );
    return row.used ?? 0;
  };

  const post = async (who: Record<string, string>, path: string, body: unknown = {}) => {
    const res = await stream(t.url, path, { headers: who, body });
    return { status: res.status, body: res.body, events: await res.rest() };
  };

  const setMinTier = (tier: string) =>
    t.http
      .put('/api/admin/settings/impersonate_min_tier')
      .set(admin.auth)
      .send({ value: tier })
      .expect(200);

  describe('continue', () => {
    it('streams more of the last reply and appends it: same message, one message of quota', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      fake.script({ content: 'Mira sets the lamp down' });
      const first = await send(t, user.auth, chatId, { content: 'What now?' });
      const replyId = replyOf(first.events).last!.message_id!;
      const userMessageId = replyOf(first.events).last!.user_message_id!;
      const before = await apiMessages(user.auth, chatId);
      const used = await quotaUsed(`user:${user.id}`);
      fake.reset();

      fake.script({ tokens: [' and', ' lights', ' it.'] });
      const res = await post(user.auth, `/api/chats/${chatId}/continue`, { temperature: 0.3 });
      expect(res.status).toBe(200);
      const { text, last } = replyOf(res.events);
      expect(text).toBe(' and lights it.');
      expect(last).toEqual({ type: 'done', message_id: replyId, user_message_id: userMessageId });

      // The reply grew in place: no new message, the text the client saw appended.
      const after = await apiMessages(user.auth, chatId);
      expect(after.map((message) => message.id)).toEqual(before.map((message) => message.id));
      expect(after.at(-1)).toMatchObject({
        id: replyId,
        content: 'Mira sets the lamp down and lights it.',
        status: 'complete',
      });
      expect(after.at(-1)!.completion_tokens!).toBeGreaterThan(before.at(-1)!.completion_tokens!);
      expect(await quotaUsed(`user:${user.id}`)).toBe(used + 1);

      // The prompt ends with the reply as the character's own line, then the nudge.
      const [request] = completions();
      expect(request.body!.temperature).toBe(0.3);
      const sent = messagesSent(request);
      expect(sent[0].content).toContain('Mira');
      expect(sent.at(-2)).toEqual({ role: 'assistant', content: 'Mira sets the lamp down' });
      expect(sent.at(-1)!.role).toBe('system');
      expect(sent.at(-1)!.content).toMatch(CONTINUE_NUDGE);

      // The next reply follows the whole continued text.
      fake.reset();
      await send(t, user.auth, chatId, { content: 'Thank you.' });
      const next = messagesSent(completions()[0]);
      expect(next).toContainEqual({
        role: 'assistant',
        content: 'Mira sets the lamp down and lights it.',
      });
      expect(t.errorLogs()).toEqual([]);
    });

    it('gives the message back and changes nothing when the model fails', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      fake.script({ content: 'Mira nods.' });
      await send(t, user.auth, chatId, { content: 'Ready?' });
      const before = await apiMessages(user.auth, chatId);
      const used = await quotaUsed(`user:${user.id}`);

      const recover = failAll(fake, { fault: 'status', status: 500 });
      const res = await post(user.auth, `/api/chats/${chatId}/continue`);
      recover();
      expect(res.status).toBe(200);
      expect(res.events.at(-1)).toMatchObject({ type: 'error', message: expect.any(String) });
      expect(await apiMessages(user.auth, chatId)).toEqual(before);
      expect(await quotaUsed(`user:${user.id}`)).toBe(used);
      // The chat is free again.
      fake.script({ content: ' Then she goes.' });
      const again = await post(user.auth, `/api/chats/${chatId}/continue`);
      expect(replyOf(again.events).last).toMatchObject({ type: 'done' });
      expect((await apiMessages(user.auth, chatId)).at(-1)!.content).toBe(
        'Mira nods. Then she goes.',
      );
    });

    it("answers 409 when the story does not end with a character's message, charging nothing", async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      // The model fails: the user's message stays, unanswered, at the end of the path.
      const recover = failAll(fake, { fault: 'status', status: 500 });
      await send(t, user.auth, chatId, { content: 'Anyone there?' });
      recover();
      const used = await quotaUsed(`user:${user.id}`);
      fake.reset();

      const res = await post(user.auth, `/api/chats/${chatId}/continue`);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        status_code: 409,
        message: expect.stringMatching(/continue/),
      });
      expect(await quotaUsed(`user:${user.id}`)).toBe(used);
      expect(completions()).toHaveLength(0);
      // Not claimed: a message can be sent.
      fake.script({ content: 'Mira turns.' });
      expect(replyOf((await send(t, user.auth, chatId)).events).last).toMatchObject({
        type: 'done',
      });
    });

    it('keeps what a stopped continuation wrote, and refuses a second one meanwhile (409)', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, mira.id);
      fake.script({ content: 'Mira begins a story.' });
      const first = await send(t, user.auth, chatId, { content: 'Tell me one.' });
      const replyId = replyOf(first.events).last!.message_id!;

      fake.script({ tokens: Array.from({ length: 50 }, (_, i) => ` w${i}`), tokenIntervalMs: 30 });
      const running = await stream(t.url, `/api/chats/${chatId}/continue`, {
        headers: user.auth,
        body: {},
      });
      const received = [(await running.next())!];
      const busy = await post(user.auth, `/api/chats/${chatId}/continue`);
      expect(busy.status).toBe(409);
      const sent = await send(t, user.auth, chatId, { content: 'Wait.' });
      expect(sent.status).toBe(409);

      const stopped = await t.http.post(`/api/chats/${chatId}/stop`).set(user.auth).expect(200);
      expect(stopped.body).toEqual({ stopped: true, message_id: replyId });
      const { text, last } = replyOf([...received, ...(await running.rest())]);
      expect(last).toMatchObject({ type: 'done', message_id: replyId, stopped: true });
      expect(text.length).toBeGreaterThan(0);
      const saved = (await apiMessages(user.auth, chatId)).at(-1)!;
      expect(saved).toMatchObject({
        id: replyId,
        content: `Mira begins a story.${text}`,
        status: 'stopped',
      });
    });

    it("continues an opening (user_message_id null), and a guest's own chat", async () => {
      const session = guest(randomUUID());
      const chatId = await openChat(t, session, mira.id);
      fake.script({ content: ' The storm is close.' });
      const res = await post(session, `/api/chats/${chatId}/continue`);
      expect(res.status).toBe(200);
      const [greeting] = await apiMessages(session, chatId);
      expect(replyOf(res.events).last).toEqual({
        type: 'done',
        message_id: greeting.id,
        user_message_id: null,
        anon_messages_left: expect.any(Number),
      });
      expect(greeting.content).toBe('Mira looks up from the lamp. The storm is close.');
      // Someone else's chat does not exist.
      expect((await post(guest(randomUUID()), `/api/chats/${chatId}/continue`)).status).toBe(404);
      expect((await post(owner.auth, `/api/chats/${chatId}/continue`)).status).toBe(404);
    });

    it("lets the last reply's character go on in a group chat, whoever else would speak", async () => {
      const user = await createUser(t);
      const opened = await t.http
        .post('/api/chats')
        .set(user.auth)
        .send({ character_ids: [mira.id, bram.id] })
        .expect(201);
      const chatId = opened.body.id as string;
      fake.script({ content: 'Mira waves.' }, { content: 'Bram grunts' });
      await send(t, user.auth, chatId, { content: 'Hello both.' });
      fake.reset();

      fake.script({ tokens: [' and sits.'] });
      const res = await post(user.auth, `/api/chats/${chatId}/continue`);
      const events = res.events as unknown as Array<Record<string, unknown>>;
      expect(events.filter((event) => event.type === 'token')).toEqual([
        { type: 'token', content: ' and sits.', character_id: bram.id },
      ]);
      expect(events.slice(-2)).toEqual([
        {
          type: 'done',
          character_id: bram.id,
          message_id: expect.any(Number),
          user_message_id: expect.any(Number),
        },
        { type: 'end', user_message_id: expect.any(Number) },
      ]);
      expect(completions()).toHaveLength(1);
      // Bram's own prompt, with Mira in the scene.
      const sent = messagesSent(completions()[0]);
      expect(sent[0].content).toMatch(/Bram/);
      expect(sent.at(-2)).toEqual({ role: 'assistant', content: 'Bram grunts' });
      const messages = await apiMessages(user.auth, chatId);
      expect(messages.map((message) => message.content).slice(-2)).toEqual([
        'Mira waves.',
        'Bram grunts and sits.',
      ]);
    });
  });

  describe('impersonate', () => {
    /** A chat of `who` with a persona and one exchange. */
    async function chatWithExchange(who: Record<string, string>): Promise<string> {
      const chatId = await openChat(t, who, mira.id);
      await t.dataSource.query(
        `UPDATE chat SET persona_name = 'Alex', persona_description = 'A runaway mechanic.'
         WHERE id = $1`,
        [chatId],
      );
      fake.script({ content: 'Mira hands over the map.' });
      await send(t, who, chatId, { content: 'Where does the road go?' });
      fake.reset();
      return chatId;
    }

    it("streams the user's next line as their persona, saves nothing, and counts one message", async () => {
      const user = await createUser(t);
      const chatId = await chatWithExchange(user.auth);
      const before = await apiMessages(user.auth, chatId);
      const used = await quotaUsed(`user:${user.id}`);

      fake.script({ tokens: ['Alex', ' unfolds', ' the map. '] });
      const res = await post(user.auth, `/api/chats/${chatId}/impersonate`, { max_tokens: 100 });
      expect(res.status).toBe(200);
      expect(res.events).toEqual([
        { type: 'token', content: 'Alex' },
        { type: 'token', content: ' unfolds' },
        { type: 'token', content: ' the map. ' },
        { type: 'done', content: 'Alex unfolds the map.' },
      ]);
      expect(await apiMessages(user.auth, chatId)).toEqual(before);
      expect(await quotaUsed(`user:${user.id}`)).toBe(used + 1);

      // The persona prompt: the model plays Alex; the roles are swapped.
      const sent = messagesSent(completions()[0]);
      expect(sent[0].content).toMatch(/^You ghostwrite the next message of the user's character/);
      expect(sent[0].content).toContain("The user's character: Alex\nA runaway mechanic.");
      expect(sent.slice(1)).toEqual([
        { role: 'user', content: 'Mira looks up from the lamp.' },
        { role: 'assistant', content: 'Where does the road go?' },
        { role: 'user', content: 'Mira hands over the map.' },
      ]);
    });

    it('gives the message back when the model fails', async () => {
      const user = await createUser(t);
      const chatId = await chatWithExchange(user.auth);
      const used = await quotaUsed(`user:${user.id}`);
      const recover = failAll(fake, { fault: 'status', status: 500 });
      const res = await post(user.auth, `/api/chats/${chatId}/impersonate`);
      recover();
      expect(res.events).toEqual([{ type: 'error', message: expect.any(String) }]);
      expect(await quotaUsed(`user:${user.id}`)).toBe(used);
      expect(t.errorLogs()).toEqual([]);
    });

    it('is open from the tier impersonate_min_tier names: free by default, guests when anon', async () => {
      const session = guest(randomUUID());
      const guestChat = await chatWithExchange(session);
      const user = await createUser(t);
      const userChat = await chatWithExchange(user.auth);
      const premium = await createUser(t, { tier: 'premium' });
      const premiumChat = await chatWithExchange(premium.auth);
      try {
        const refused = await post(session, `/api/chats/${guestChat}/impersonate`);
        expect(refused.status).toBe(403);
        expect(refused.body!.message).toMatch(/sign in/);
        // Someone else's chat is hidden before the tier is looked at.
        expect(
          (await post(guest(randomUUID()), `/api/chats/${guestChat}/impersonate`)).status,
        ).toBe(404);

        await setMinTier('anon');
        fake.script({ content: 'Alex waves.' });
        const allowed = await post(session, `/api/chats/${guestChat}/impersonate`);
        expect(allowed.events.at(-1)).toEqual({
          type: 'done',
          content: 'Alex waves.',
          anon_messages_left: expect.any(Number),
        });

        await setMinTier('premium');
        expect((await post(user.auth, `/api/chats/${userChat}/impersonate`)).status).toBe(403);
        fake.script({ content: 'Alex nods.' });
        const paid = await post(premium.auth, `/api/chats/${premiumChat}/impersonate`);
        expect(paid.events.at(-1)).toEqual({ type: 'done', content: 'Alex nods.' });
      } finally {
        await setMinTier('free');
      }
      fake.script({ content: 'Alex grins.' });
      const free = await post(user.auth, `/api/chats/${userChat}/impersonate`);
      expect(free.events.at(-1)).toEqual({ type: 'done', content: 'Alex grins.' });
      const bad = await t.http
        .put('/api/admin/settings/impersonate_min_tier')
        .set(admin.auth)
        .send({ value: 'gold' })
        .expect(400);
      expect(bad.body.message).toMatch(/anon, free, premium, admin/);
    });
  });
});
