import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MAX_DELTA_CHARS } from '../../src/llm/output/text-pieces.js';
import { TokenEstimator } from '../../src/llm/usage/token-estimator.js';
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
} from '../chat/chat-support.js';
import { HOSTILE_USAGE } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { leastStalled, whileHealthzPolled } from '../support/healthz.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

// Issue #24 items 1 and 8: token counting that cannot stall the event loop, and provider usage
// numbers that cannot lose a reply. LlmService's own part (delta sizes, usage numbers) is in
// test/medium/llm/usage-numbers.medium-spec.ts.

/** `n` distinct CJK ideographs without a space: the tokenizer's worst case. */
const cjk = (n: number): string =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');

/** Ten times what any counted answer took here; today's stalls were 13 s and over a minute. */
const HEALTHZ_BOUND_MS = 1000;
/** Event-loop time for 3 MB of upstream text in 4 KB reads: ~7x what it takes here. */
const LINEAR_BOUND_MS = 3000;

describe('token counting and provider usage', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let character: { id: string };
  const estimator = new TokenEstimator();

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    owner = await createUser(t);
    character = await publicCharacter(t, owner);
    // Loading the rank table is a one-time cost of about 0.8 s per process, not per input.
    await t.app.get(TokenEstimator).count('warm');
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('counts a guest message of 10,000 CJK characters without stalling the server', async () => {
    const anon = guest();
    const chatId = await openChat(t, anon, character.id);
    const content = cjk(10_000);
    // No usage from the upstream: the whole prompt, the message included, is counted here.
    fake.script({ content: 'Mira squints at the page.', usage: null });
    const { result, answersMs } = await whileHealthzPolled(t, send(t, anon, chatId, { content }));

    expect(result.status).toBe(200);
    expect(replyOf(result.events).last).toMatchObject({
      type: 'done',
      message_id: expect.any(Number),
    });
    expect(answersMs.length).toBeGreaterThan(0);
    expect(Math.max(...answersMs)).toBeLessThan(HEALTHZ_BOUND_MS);
    const [, user, reply] = await messagesOf(t, chatId);
    expect(user).toMatchObject({ role: 'user', content });
    expect(reply).toMatchObject({
      role: 'assistant',
      content: 'Mira squints at the page.',
      completion_tokens: await estimator.count('Mira squints at the page.'),
    });
    // Every ideograph is one token or more, the estimate past the budget included.
    expect(reply.prompt_tokens).toBeGreaterThan(10_000);
    expect(reply.prompt_tokens).toBeLessThan(40_000);
  });

  // Issue #24 item 1: one 3 MB upstream chunk. The openai SDK rescanned its whole buffer for
  // every network read of the event (1.6 s of one stall), and the chunk went to the client as
  // one 3 MB SSE event, which the 1 MiB unread-bytes rule cut even for a client that reads.
  it.each([
    ['a guest', 'x', 3_000_000],
    ['a premium user', '漢', 1_000_000],
  ])(
    'streams a 3 MB upstream chunk to %s in bounded pieces without stalling the server',
    async (who, char, length) => {
      const caller = who === 'a guest' ? guest() : (await createUser(t, { tier: 'premium' })).auth;
      const chunk = char.repeat(length);
      expect(Buffer.byteLength(chunk)).toBeGreaterThanOrEqual(3_000_000);
      const { chatId, events, answersMs, loop } = await leastStalled(HEALTHZ_BOUND_MS, async () => {
        const chatId = await openChat(t, caller, character.id);
        fake.script({ tokens: [chunk], usage: null });
        // The app runs in this process: its event loop's worst delay is measured directly too.
        const loop = monitorEventLoopDelay({ resolution: 10 });
        loop.enable();
        // Polled from before the request: the upstream's chunk may arrive before the headers.
        const { result: events, answersMs } = await whileHealthzPolled(
          t,
          (async () => {
            const res = await stream(t.url, `/api/chats/${chatId}/message`, {
              headers: caller,
              body: { content: 'Read me the letter.' },
            });
            expect(res.status).toBe(200);
            return res.rest();
          })(),
        );
        loop.disable();
        return { chatId, events, answersMs, loop };
      });

      expect(answersMs.length).toBeGreaterThan(0);
      expect(Math.max(...answersMs)).toBeLessThan(HEALTHZ_BOUND_MS);
      expect(loop.max / 1e6).toBeLessThan(HEALTHZ_BOUND_MS);
      // The client read to the end, in pieces of MAX_DELTA_CHARS at most.
      const { text, last } = replyOf(events);
      expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number) });
      const tokens = events.filter((event) => event.type === 'token');
      expect(Math.max(...tokens.map((event) => event.content!.length))).toBeLessThanOrEqual(
        MAX_DELTA_CHARS,
      );
      // Cut at 16 characters per token of the request's max_tokens, exactly.
      const maxTokens = maxTokensOf(fake.requests.at(-1)!) as number;
      expect(text).toBe(chunk.slice(0, maxTokens * 16));
      const [, , reply] = await messagesOf(t, chatId);
      expect(reply).toMatchObject({
        id: last!.message_id,
        role: 'assistant',
        status: 'complete',
        content: text,
      });
      expect(reply.completion_tokens).toBeGreaterThan(0);
    },
  );

  // The same chunk as many small reads: the SDK copied and rescanned everything it held per
  // read, 11 s of event-loop time for these 3 MB (spread over turns, so healthz alone missed it).
  it('spends event-loop time linear in a 3 MB chunk that arrives in 4 KB reads', async () => {
    const anon = guest();
    const chatId = await openChat(t, anon, character.id);
    fake.script({ tokens: ['x'.repeat(3_000_000)], usage: null, writeBytes: 4096 });
    const before = performance.eventLoopUtilization();
    const { events } = await send(t, anon, chatId, { content: 'Read me the letter.' });
    const { active } = performance.eventLoopUtilization(before);

    expect(replyOf(events).last).toMatchObject({ type: 'done', message_id: expect.any(Number) });
    // About 0.4 s here (the fake's 750 writes included); 7 times that for a loaded machine.
    expect(active).toBeLessThan(LINEAR_BOUND_MS);
  });

  describe('usage numbers a provider reports', () => {
    // What LlmService makes of them: test/medium/llm/usage-numbers.medium-spec.ts.
    it.each(HOSTILE_USAGE)(
      'when %s, still save the reply the client got and count sane tokens',
      async (_, usage) => {
        const user = await createUser(t);
        const chatId = await openChat(t, user.auth, character.id);
        fake.script({ content: 'The tide turns.', usage });
        const { status, events } = await send(t, user.auth, chatId, { content: 'Tide?' });

        expect(status).toBe(200);
        const { text, last } = replyOf(events);
        expect(text).toBe('The tide turns.');
        expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number) });
        const [, , reply] = await messagesOf(t, chatId);
        expect(reply).toMatchObject({
          id: last!.message_id,
          content: 'The tide turns.',
          status: 'complete',
          completion_tokens: await estimator.count('The tide turns.'),
        });
        const promptTokens = reply.prompt_tokens as number;
        expect(promptTokens).toBeGreaterThan(0);
        expect(promptTokens).toBeLessThan(10_000);
        // The user's counters grow by exactly what the reply cost (after `done`: nobody waits).
        const counters = async () =>
          (
            await t.dataSource.query<{ today: number; month: number }[]>(
              `SELECT tokens_used_today AS today, tokens_used_month AS month
               FROM app_user WHERE id = $1`,
              [user.id],
            )
          )[0];
        await eventually(async () => (await counters()).today > 0);
        const cost = promptTokens + (reply.completion_tokens as number);
        expect(await counters()).toEqual({ today: cost, month: cost });
      },
    );

    it('when hostile to a guest, still save the reply and count the message', async () => {
      const anon = guest();
      const chatId = await openChat(t, anon, character.id);
      fake.script({ content: 'The tide turns.', usage: { prompt_tokens: 1e308 } });
      const { events } = await send(t, anon, chatId, { content: 'Tide?' });
      const { last } = replyOf(events);
      expect(last).toMatchObject({
        type: 'done',
        message_id: expect.any(Number),
        anon_messages_left: expect.any(Number),
      });
      const [, , reply] = await messagesOf(t, chatId);
      expect(reply).toMatchObject({ id: last!.message_id, content: 'The tide turns.' });
      expect(reply.prompt_tokens).toBeLessThan(10_000);
    });
  });
});
