/**
 * The LLM upstream misbehaving while many chats stream at once: streams cut mid-way, stalls
 * (before the first token and after it), 429/500/503 at random. Whatever happens, no user
 * message is lost, no truncated reply is saved as complete, every stream ends with exactly one
 * terminal event, a message is charged once (and given back when no reply was saved), tokens
 * count only saved replies, nothing answers 5xx or logs at error level, and no chat stays
 * claimed.
 *
 * What a failed reply leaves (src/chat/reply.service.ts): the user's message is saved before
 * generation and stays; no assistant message is saved; the quota ticket is refunded; the chat
 * is released, so the next send or a regenerate (which answers the unanswered message) works.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReplyRegistry } from '../../src/chat/streaming/reply-registry.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { MODEL_COOLDOWN_MS } from '../../src/llm/availability/provider-availability.service.js';
import {
  eventually,
  failAll,
  guest,
  llmEnv,
  messagesOf,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
  type ReplyEvent,
} from '../chat/chat-support.js';
import { controlClock, providerEnv } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/** Every complete upstream reply is exactly this text (12 tokens; a drop cuts it after 6). */
const TOKENS = [
  'The',
  ' tide',
  ' turns',
  ' and',
  ' the',
  ' lamp',
  ' burns',
  ' on',
  ' through',
  ' the',
  ' long',
  ' night.',
];
const FULL = TOKENS.join('');
const FIRST_TOKEN_TIMEOUT_MS = 400;
const IDLE_TIMEOUT_MS = 400;
const DID_NOT_ANSWER = 'The language model did not answer, please retry shortly';
const BROKE_OFF = 'The language model stopped in the middle of its reply, please retry';

type Who = Record<string, string>;
type Message = Awaited<ReturnType<typeof messagesOf>>[number];

/** Small seeded PRNG, so the mix of client behaviours and mid-stream stalls is repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LLM upstream faults under load', () => {
  let fake: FakeLlm;
  let truncating: TruncatingUpstream;
  let t: TestApp;
  let settings: SettingsService;
  let clock: { advance(ms: number): void };
  let owner: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    fake = await startFakeLlm({ tokens: TOKENS, firstTokenDelayMs: 15, tokenIntervalMs: 5 });
    truncating = await startTruncatingUpstream();
    t = await createTestApp({
      env: {
        ...llmEnv(fake),
        // Not in LLM_PROVIDER_ORDER: reached only when a request names it.
        ...providerEnv(truncating.baseURL, ['cerebras']),
        RATE_LIMIT_SCALE: '0',
        LLM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS),
        LLM_STREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
      },
    });
    settings = t.app.get(SettingsService);
    clock = controlClock(t.app);
    owner = await createUser(t);
    character = await publicCharacter(t, owner);
    await settings.set('daily_message_limit', 1000);
    await settings.set('anon_message_limit', 1000);
  });

  beforeEach(() => fake.reset());

  // Failed models cool down for 15 minutes; each test starts with all of them usable again.
  afterEach(() => clock.advance(MODEL_COOLDOWN_MS + 1));

  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await truncating?.close();
  });

  /** Messages charged to a user (all days) or a guest session. */
  const charged = async (subject: string): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ used: number | null }>>(
      `SELECT sum(used)::int AS used FROM message_quota WHERE subject = $1`,
      [subject],
    );
    return row.used ?? 0;
  };

  const tokensUsed = async (userId: string): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ tokens_used_today: number }>>(
      `SELECT tokens_used_today FROM app_user WHERE id = $1`,
      [userId],
    );
    return Number(row.tokens_used_today);
  };

  /** Replies saved in the user's chats (greetings, which open every chat, left out). */
  const savedReplies = async (userId: string): Promise<{ count: number; tokens: number }> => {
    const [row] = await t.dataSource.query<Array<{ count: number; tokens: number }>>(
      `SELECT count(*)::int AS count,
              coalesce(sum(m.prompt_tokens + m.completion_tokens), 0)::int AS tokens
       FROM message m JOIN chat c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant'
         AND m.id > (SELECT min(id) FROM message WHERE chat_id = c.id)`,
      [userId],
    );
    return row;
  };

  const claimedChats = async (): Promise<number> => {
    const [row] = await t.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM chat_generation`,
    );
    return row.n;
  };

  const nothingClaimed = () => eventually(async () => (await claimedChats()) === 0, 10_000);

  describe('many chats at once, faults at random', () => {
    interface Chat {
      id: string;
      who: Who;
      /** `user:<id>` or `anon:<session>`: the message_quota subject. */
      subject: string;
    }

    type Kind = 'read' | 'stop' | 'leave' | 'twice';

    interface Sent {
      chat: Chat;
      content: string;
      kind: Kind;
      status: number;
      body?: { message: string };
      events: ReplyEvent[];
      /** The client went away after its first token: the stream has no end to look at. */
      left: boolean;
      stop?: { status: number; body: { stopped: boolean; message_id: number | null } };
    }

    const ROUNDS = 3;
    const sent: Sent[] = [];
    const statuses: number[] = [];
    let chats: Chat[] = [];
    let users: TestUser[] = [];

    /** One send as a client of the given kind would make it. */
    async function sendOne(chat: Chat, content: string, kind: Kind): Promise<Sent> {
      const res = await stream(t.url, `/api/chats/${chat.id}/message`, {
        headers: chat.who,
        body: { content },
      });
      statuses.push(res.status);
      const result: Sent = {
        chat,
        content,
        kind,
        status: res.status,
        body: res.body,
        events: [],
        left: false,
      };
      if (res.status !== 200) return result;
      if (kind === 'stop' || kind === 'leave') {
        const first = await res.next();
        if (first) result.events.push(first);
        if (first?.type === 'token' && kind === 'leave') {
          res.close();
          result.left = true;
          return result;
        }
        if (first?.type === 'token') {
          const stop = await t.http.post(`/api/chats/${chat.id}/stop`).set(chat.who).send({});
          statuses.push(stop.status);
          result.stop = { status: stop.status, body: stop.body };
        }
      }
      result.events.push(...(await res.rest()));
      return result;
    }

    beforeAll(async () => {
      fake.reset();
      const free = await Promise.all(Array.from({ length: 4 }, () => createUser(t)));
      const premium = await createUser(t, { tier: 'premium' });
      users = [...free, premium];
      const session = guest();
      const open = async (who: Who, subject: string): Promise<Chat> => ({
        id: await openChat(t, who, character.id),
        who,
        subject,
      });
      chats = await Promise.all([
        ...free.flatMap((user) =>
          Array.from({ length: 7 }, () => open(user.auth, `user:${user.id}`)),
        ),
        ...Array.from({ length: 4 }, () => open(premium.auth, `user:${premium.id}`)),
        ...Array.from({ length: 8 }, () => open(session, `anon:${session['X-Anon-Session']}`)),
      ]);

      // Mid-stream stalls (a first token, then silence past the idle timeout) on top of the
      // fake's random faults: status 429/500/503, a cut after 6 tokens, a stall before any.
      const midStall = prng(7);
      fake.onRequest(() =>
        midStall() < 0.06 ? { tokens: TOKENS, tokenIntervalMs: 5 * IDLE_TIMEOUT_MS } : undefined,
      );
      fake.setRandomFaults({
        rate: 0.3,
        kinds: ['status429', 'status500', 'status503', 'drop', 'stall'],
        seed: 11,
      });
      // Cooldowns pass quickly (15 minutes every 200 ms), so models keep coming back and the
      // run keeps a mix of answered and failed replies instead of everything cooling down.
      const ticker = setInterval(() => clock.advance(MODEL_COOLDOWN_MS + 1), 200);
      // What each client does, drawn up front so the plan is the same on every run: mostly
      // read the whole reply; else stop it after its first token, leave after it, or send a
      // second message into the chat at the same moment.
      const roll = prng(3);
      const plan = chats.map(() =>
        Array.from({ length: ROUNDS }, (): Kind => {
          const r = roll();
          return r < 0.1 ? 'stop' : r < 0.2 ? 'leave' : r < 0.3 ? 'twice' : 'read';
        }),
      );
      try {
        // Each chat sends ROUNDS messages one after another; all chats at once (40 streams).
        await Promise.all(
          chats.map(async (chat, c) => {
            for (let round = 0; round < ROUNDS; round++) {
              const kind = plan[c][round];
              const content = `m${round}-c${c}`;
              if (kind === 'twice') {
                // A second send into the same chat at the same moment: one of them is refused.
                sent.push(
                  ...(await Promise.all([
                    sendOne(chat, `${content}-a`, kind),
                    sendOne(chat, `${content}-b`, kind),
                  ])),
                );
              } else {
                sent.push(await sendOne(chat, content, kind));
              }
              // A client that left: its reply goes on; wait for it before the next message.
              await eventually(async () => !t.app.get(ReplyRegistry).local(chat.id), 15_000);
            }
          }),
        );
      } finally {
        clearInterval(ticker);
        fake.reset();
        clock.advance(MODEL_COOLDOWN_MS + 1);
      }
      await nothingClaimed();
    }, 120_000);

    it('went through a real mix of outcomes', () => {
      const ended = sent.filter((s) => s.status === 200 && !s.left);
      const last = ended.map((s) => s.events[s.events.length - 1]);
      expect(ended.length).toBeGreaterThan(chats.length * 2);
      expect(last.filter((e) => e?.type === 'done' && !e.stopped).length).toBeGreaterThan(20);
      expect(last.filter((e) => e?.type === 'error').length).toBeGreaterThan(3);
      expect(last.some((e) => e?.type === 'error' && e.message === BROKE_OFF)).toBe(true);
      expect(last.some((e) => e?.type === 'done' && e.stopped)).toBe(true);
      expect(sent.filter((s) => s.status === 409).length).toBeGreaterThan(0);
      expect(sent.some((s) => s.left)).toBe(true);
    });

    it('answered no request with a 5xx and logged no error', () => {
      expect(statuses.filter((status) => status >= 500)).toEqual([]);
      // A refused send is the chat being busy (409), nothing else.
      expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
      expect(t.errorLogs()).toEqual([]);
    });

    it('ended every stream it read with exactly one terminal event, last', () => {
      for (const s of sent.filter((s) => s.status === 200 && !s.left)) {
        const terminal = s.events.filter((e) => e.type !== 'token');
        expect({ content: s.content, terminal }).toEqual({
          content: s.content,
          terminal: [expect.objectContaining({ type: expect.stringMatching(/^(done|error)$/) })],
        });
        expect(s.events[s.events.length - 1]).toBe(terminal[0]);
      }
    });

    it('saved the message of every accepted send, once, and none of a refused one', async () => {
      const rows = await t.dataSource.query<Array<{ chat_id: string; content: string }>>(
        `SELECT chat_id, content FROM message WHERE role = 'user' AND chat_id = ANY($1)`,
        [chats.map((chat) => chat.id)],
      );
      const saved = rows.map((row) => `${row.chat_id}/${row.content}`).sort();
      const accepted = sent
        .filter((s) => s.status === 200)
        .map((s) => `${s.chat.id}/${s.content}`)
        .sort();
      expect(saved).toEqual(accepted);
      for (const s of sent.filter((s) => s.status !== 200)) {
        expect(s.status).toBe(409);
        expect(s.body!.message).toBe(
          'A reply is being written in this chat: wait for it or stop it',
        );
      }
    });

    it('saved complete replies whole, stopped ones as a stopped prefix, failed ones not at all', async () => {
      for (const chat of chats) {
        const messages = await messagesOf(t, chat.id);
        // The greeting, then each message followed by at most one reply.
        expect(messages[0].role).toBe('assistant');
        for (let i = 1; i < messages.length; i++) {
          const message = messages[i];
          if (message.role === 'user') continue;
          expect(messages[i - 1].role).toBe('user');
          if (message.status === 'complete') {
            expect(message.content).toBe(FULL);
            expect(message.model_used).toMatch(/^(openai|groq)\//);
            expect(message.completion_tokens).toBe(TOKENS.length);
          } else {
            expect(message.status).toBe('stopped');
            expect(message.content).not.toBe('');
            expect(FULL.startsWith(message.content)).toBe(true);
          }
        }
      }
      // What each client was told matches what was saved: the message, and the reply after
      // it in the same chat (if any).
      const saved = new Map<string, { id: number; reply?: Message }>();
      for (const chat of chats) {
        const messages = await messagesOf(t, chat.id);
        messages.forEach((message, i) => {
          if (message.role !== 'user') return;
          const next = messages[i + 1];
          saved.set(`${chat.id}/${message.content}`, {
            id: message.id as number,
            reply: next?.role === 'assistant' ? next : undefined,
          });
        });
      }
      for (const s of sent.filter((s) => s.status === 200 && !s.left)) {
        const { text, last } = replyOf(s.events);
        const message = saved.get(`${s.chat.id}/${s.content}`)!;
        expect(message).toBeDefined();
        if (last!.type === 'error') {
          // No reply saved; the message stays, unanswered.
          expect({ content: s.content, reply: message.reply }).toEqual({
            content: s.content,
            reply: undefined,
          });
          continue;
        }
        expect(last!.user_message_id).toBe(message.id);
        if (last!.message_id === null) {
          // Stopped before any text: nothing saved.
          expect(last!.stopped).toBe(true);
          expect(message.reply).toBeUndefined();
          continue;
        }
        expect(message.reply).toMatchObject({
          id: last!.message_id,
          content: text,
          status: last!.stopped ? 'stopped' : 'complete',
        });
        if (s.stop?.body.stopped) expect(s.stop.body.message_id).toBe(last!.message_id);
      }
    });

    it('charged each saved reply once and gave back every message that got none', async () => {
      const subjects = [...new Set(chats.map((chat) => chat.subject))];
      for (const subject of subjects) {
        const ids = chats.filter((chat) => chat.subject === subject).map((chat) => chat.id);
        const [row] = await t.dataSource.query<Array<{ replies: number }>>(
          `SELECT count(*)::int AS replies FROM message m
           WHERE m.chat_id = ANY($1) AND m.role = 'assistant'
             AND m.id > (SELECT min(id) FROM message WHERE chat_id = m.chat_id)`,
          [ids],
        );
        const premium = subject === `user:${users[4].id}`;
        expect({ subject, charged: await charged(subject) }).toEqual({
          subject,
          // Premium users have no daily limit: nothing is counted for them.
          charged: premium ? 0 : row.replies,
        });
      }
    });

    it('counted the tokens of saved replies only', async () => {
      for (const user of users) {
        const { tokens } = await savedReplies(user.id);
        // Added after each reply's end event, without anyone waiting for it.
        await eventually(async () => (await tokensUsed(user.id)) === tokens, 5000).catch(
          () => undefined,
        );
        expect({ user: user.id, tokens: await tokensUsed(user.id) }).toEqual({
          user: user.id,
          tokens,
        });
      }
    });

    it('left no chat claimed and every chat usable', async () => {
      expect(await claimedChats()).toBe(0);
      for (const chat of chats) {
        const res = await t.http.get(`/api/chats/${chat.id}`).set(chat.who);
        expect(res.status).toBe(200);
        expect(res.body.generating).toBe(false);
      }
      const after = await Promise.all(
        chats.map((chat) => send(t, chat.who, chat.id, { content: 'And now?' })),
      );
      for (const result of after) {
        expect(result.status).toBe(200);
        expect(replyOf(result.events)).toEqual({
          text: FULL,
          last: expect.objectContaining({ type: 'done', message_id: expect.any(Number) }),
        });
      }
      expect(t.errorLogs()).toEqual([]);
    });
  });

  describe('one fault at a time', () => {
    it('abandons a model that stalls before its first token; the next one answers, charged once', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      fake.script({ fault: 'stall' });
      const started = Date.now();
      const { status, events } = await send(t, user.auth, chatId, { content: 'Anyone?' });
      expect(status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_MS - 10);
      expect(replyOf(events)).toEqual({
        text: FULL,
        last: expect.objectContaining({ type: 'done' }),
      });
      await fake.waitForAborted(1);
      expect(fake.requests).toHaveLength(2);
      const messages = await messagesOf(t, chatId);
      expect(messages.slice(1).map(({ role, content, status: s }) => [role, content, s])).toEqual([
        ['user', 'Anyone?', 'complete'],
        ['assistant', FULL, 'complete'],
      ]);
      expect(await charged(`user:${user.id}`)).toBe(1);
      const { tokens } = await savedReplies(user.id);
      await eventually(async () => (await tokensUsed(user.id)) === tokens);
      expect(t.logs.some((r) => /no token within 400 ms/.test(String(r.message)))).toBe(true);
      expect(t.errorLogs()).toEqual([]);
    });

    it('falls back past 429 and 503 before the first token: one reply, one message charged', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      fake.script({ fault: 'status', status: 429 }, { fault: 'status', status: 503 });
      const { events } = await send(t, user.auth, chatId);
      expect(replyOf(events).last).toMatchObject({ type: 'done' });
      expect(fake.requests).toHaveLength(3);
      expect((await messagesOf(t, chatId)).filter((m) => m.role === 'assistant')).toHaveLength(2);
      expect(await charged(`user:${user.id}`)).toBe(1);
    });

    it('fails a reply whose stream goes silent after its first token, and keeps the message', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      fake.script({ tokens: TOKENS, tokenIntervalMs: 10 * IDLE_TIMEOUT_MS });
      const { events } = await send(t, user.auth, chatId, { content: 'Still there?' });
      expect(replyOf(events)).toEqual({ text: 'The', last: { type: 'error', message: BROKE_OFF } });
      await fake.waitForAborted(1);
      // Only one model was tried: a reply never continues on another model.
      expect(fake.requests).toHaveLength(1);
      const messages = await messagesOf(t, chatId);
      expect(messages.map((m) => m.role)).toEqual(['assistant', 'user']);
      expect(await charged(`user:${user.id}`)).toBe(0);
      expect(await tokensUsed(user.id)).toBe(0);
      expect(await claimedChats()).toBe(0);
      // Regenerating answers the message that was kept.
      const retried = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
        headers: user.auth,
        body: {},
      });
      expect(replyOf(await retried.rest())).toEqual({
        text: FULL,
        last: expect.objectContaining({ type: 'done', user_message_id: messages[1].id }),
      });
      expect(await charged(`user:${user.id}`)).toBe(1);
      expect(t.errorLogs()).toEqual([]);
    });

    it('gives the message back when every model stalls, without a 5xx', async () => {
      const session = guest();
      const chatId = await openChat(t, session, character.id);
      failAll(fake, { fault: 'stall' });
      const { status, events } = await send(t, session, chatId, { content: 'Hello?' });
      expect(status).toBe(200);
      expect(events).toEqual([{ type: 'error', message: DID_NOT_ANSWER }]);
      expect(fake.requests.length).toBeGreaterThan(1);
      await fake.waitForAborted(fake.requests.length);
      expect((await messagesOf(t, chatId)).map((m) => m.role)).toEqual(['assistant', 'user']);
      expect(await charged(`anon:${session['X-Anon-Session']}`)).toBe(0);
      expect(await claimedChats()).toBe(0);
      expect(t.errorLogs()).toEqual([]);
    });

    it('keeps things consistent when the client left before the upstream cut the stream', async () => {
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      fake.script({ fault: 'drop', afterTokens: 6 });
      const res = await stream(t.url, `/api/chats/${chatId}/message`, {
        headers: user.auth,
        body: { content: 'Bye' },
      });
      expect((await res.next())?.type).toBe('token');
      res.close();
      // The reply leaves the registry only after its claim and its message were given back.
      await eventually(async () => t.app.get(ReplyRegistry).local(chatId) === undefined, 10_000);
      await nothingClaimed();
      expect((await messagesOf(t, chatId)).map((m) => [m.role, m.content])).toEqual([
        ['assistant', expect.any(String)],
        ['user', 'Bye'],
      ]);
      expect(await charged(`user:${user.id}`)).toBe(0);
      await t.http.get(`/api/chats/${chatId}/stream`).set(user.auth).expect(204);
      expect(t.errorLogs()).toEqual([]);
    });

    it('does not save a reply whose upstream ends the response cleanly in mid-reply', async () => {
      // No finish_reason, no usage, no [DONE]: the HTTP response just ends after 3 tokens, as
      // a proxy timing out or a provider crashing behind a load balancer can make it.
      const user = await createUser(t);
      const chatId = await openChat(t, user.auth, character.id);
      const { events } = await send(t, user.auth, chatId, {
        content: 'Tell me everything',
        model: 'cerebras:llama-3.3-70b',
      });
      expect(truncating.requests).toBe(1);
      // The client saw three tokens, then has to learn the reply is not whole.
      expect(replyOf(events)).toEqual({
        text: 'The tide turns',
        last: { type: 'error', message: BROKE_OFF },
      });
      expect((await messagesOf(t, chatId)).map((m) => m.role)).toEqual(['assistant', 'user']);
      expect(await charged(`user:${user.id}`)).toBe(0);
    });
  });
});

interface TruncatingUpstream {
  baseURL: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible upstream whose streams end cleanly (a proper end of the chunked HTTP
 * body) after three tokens, with no finish_reason, no usage chunk and no `[DONE]`.
 */
async function startTruncatingUpstream(): Promise<TruncatingUpstream> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object) =>
        res.write(
          `data: ${JSON.stringify({
            id: 'chatcmpl-cut',
            object: 'chat.completion.chunk',
            created: 1_700_000_000,
            model: 'llama-3.3-70b',
            choices: [{ index: 0, delta, finish_reason: null }],
          })}\n\n`,
        );
      chunk({ role: 'assistant', content: '' });
      for (const token of TOKENS.slice(0, 3)) chunk({ content: token });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
