import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ChatSummarizer } from '../../src/chat/chat-summarizer.service.js';
import { SETTINGS } from '../../src/common/settings/settings.registry.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { providerEnv, providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { eventually, openChat, publicCharacter, replyOf, send } from './chat-support.js';

type UpstreamMessage = { role: string; content: string };

const SUMMARY = 'Alex and Mira climbed the lighthouse. They are now in the lamp room at the top.';

describe('chat summaries', () => {
  /** Writes the chat replies (as OpenAI). */
  let chatLlm: FakeLlm;
  /** Answers the summarizer (as Groq, Cerebras and OpenRouter). */
  let summaryLlm: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let character: { id: string };

  beforeAll(async () => {
    [chatLlm, summaryLlm] = await Promise.all([startFakeLlm(), startFakeLlm()]);
    t = await createTestApp({
      env: {
        ...providerEnv(chatLlm.baseURL, ['openai']),
        ...providerEnv(summaryLlm.baseURL, ['groq', 'cerebras', 'openrouter']),
        LLM_PROVIDER_ORDER: 'openai',
        RATE_LIMIT_SCALE: '0',
      },
    });
    [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
    character = await publicCharacter(t, owner, {
      name: 'Mira',
      greeting: 'Mira unlocks the lighthouse door.',
    });
  });

  beforeEach(() => {
    chatLlm.reset();
    summaryLlm.reset();
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([chatLlm?.close(), summaryLlm?.close()]);
  });

  const completions = (fake: FakeLlm): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  /** A chat of `count` messages: the greeting, then numbered lines taking turns. */
  async function chatWith(count: number): Promise<string> {
    const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
    await t.dataSource.query(`UPDATE chat SET persona_name = 'Alex' WHERE id = $1`, [chatId]);
    for (let i = 2; i <= count; i++) {
      await t.dataSource.query(`INSERT INTO message (chat_id, role, content) VALUES ($1, $2, $3)`, [
        chatId,
        i % 2 === 0 ? 'user' : 'assistant',
        `line ${i}`,
      ]);
    }
    await t.dataSource.query(`UPDATE chat SET message_count = $2 WHERE id = $1`, [chatId, count]);
    return chatId;
  }

  const chatRow = async (chatId: string) =>
    (
      await t.dataSource.query<
        Array<{
          summary: string | null;
          summarized_through_id: number | null;
          summarizing_until: Date | null;
        }>
      >(`SELECT summary, summarized_through_id::int, summarizing_until FROM chat WHERE id = $1`, [
        chatId,
      ])
    )[0];

  const messageIds = async (chatId: string): Promise<number[]> =>
    (
      await t.dataSource.query<Array<{ id: number }>>(
        `SELECT id::int FROM message WHERE chat_id = $1 ORDER BY id`,
        [chatId],
      )
    ).map((row) => row.id);

  it('summarizes a chat past 25 messages after the reply, keeping the 15 latest out of it', async () => {
    const chatId = await chatWith(24);
    summaryLlm.script({ content: SUMMARY });

    // Below the threshold nothing happens: 24 + 2 = 26 messages only after this exchange.
    const res = await send(t, alice.auth, chatId, { content: 'line 25' });
    expect(replyOf(res.events).last).toMatchObject({ type: 'done' });

    await eventually(async () => (await chatRow(chatId)).summary !== null);
    const ids = await messageIds(chatId);
    expect(ids).toHaveLength(26);
    expect(await chatRow(chatId)).toEqual({
      summary: SUMMARY,
      summarized_through_id: ids[10],
      summarizing_until: null,
    });

    const [request] = completions(summaryLlm);
    expect(completions(summaryLlm)).toHaveLength(1);
    expect(providerOf(request)).toBe('groq');
    const [system, user] = request.body!.messages as UpstreamMessage[];
    expect(system.content).toMatch(/^You keep the memory of a long roleplay story/);
    expect(user.content).toBe(
      [
        'Previous summary:',
        '(none yet)',
        '',
        'New messages:',
        [
          'Mira: Mira unlocks the lighthouse door.',
          ...Array.from(
            { length: 10 },
            (_, i) => `${i % 2 === 0 ? 'Alex' : 'Mira'}: line ${i + 2}`,
          ),
        ].join('\n\n'),
      ].join('\n'),
    );

    // The next reply reads the summary and only the messages after it.
    chatLlm.script({ content: 'Mira trims the wick.' });
    await send(t, alice.auth, chatId, { content: 'line 27' });
    const messages = completions(chatLlm).at(-1)!.body!.messages as UpstreamMessage[];
    expect(messages[0].content).toContain(SUMMARY);
    const history = messages.filter((message) => message.role !== 'system');
    expect(history[0].content).toBe('line 12');
    expect(history.map((message) => message.content)).not.toContain('line 11');
    expect(history.at(-1)!.content).toBe('line 27');
    // 27 + 1 messages, 17 unsummarized: no new summary yet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(completions(summaryLlm)).toHaveLength(1);
  });

  it('falls back across the summary providers in order', async () => {
    const chatId = await chatWith(24);
    summaryLlm.onRequest((request) =>
      providerOf(request) === 'groq' ? { fault: 'status', status: 400 } : { content: SUMMARY },
    );
    await send(t, alice.auth, chatId, { content: 'line 25' });
    await eventually(async () => (await chatRow(chatId)).summary === SUMMARY);
    const providers = completions(summaryLlm).map(providerOf);
    expect(providers[0]).toBe('groq');
    expect(providers.at(-1)).toBe('cerebras');
    expect(providers).not.toContain('openrouter');
  });

  it('never delays the reply, and concurrent triggers make one summary', async () => {
    const chatId = await chatWith(24);
    summaryLlm.script({ content: SUMMARY, firstTokenDelayMs: 2000 });
    const started = Date.now();
    const res = await send(t, alice.auth, chatId, { content: 'line 25' });
    expect(replyOf(res.events).last).toMatchObject({ type: 'done' });
    expect(Date.now() - started).toBeLessThan(2000);
    await summaryLlm.waitForRequests(1);

    // More triggers while that summary is being written, on this "instance" and through the
    // service directly, as other instances would.
    chatLlm.script({ content: 'Mira waits.' });
    await send(t, alice.auth, chatId, { content: 'line 27' });
    const summarizer = t.app.get(ChatSummarizer);
    const names = { character: 'Mira', user: 'Alex' };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => summarizer.summarize(chatId, names)),
    );
    expect(results).toEqual([false, false, false, false, false]);

    await eventually(async () => (await chatRow(chatId)).summary === SUMMARY);
    expect(completions(summaryLlm)).toHaveLength(1);
  });

  it('lets exactly one of simultaneous triggers summarize', async () => {
    const chatId = await chatWith(30);
    summaryLlm.script({ content: SUMMARY });
    const summarizer = t.app.get(ChatSummarizer);
    const names = { character: 'Mira', user: 'Alex' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => summarizer.summarize(chatId, names)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(completions(summaryLlm)).toHaveLength(1);
    expect((await chatRow(chatId)).summarized_through_id).toBe((await messageIds(chatId))[14]);
  });

  it("makes no summary, and claims nothing, once the day's background budget is spent", async () => {
    const settings = t.app.get(SettingsService);
    const chatId = await chatWith(30);
    const summarizer = t.app.get(ChatSummarizer);
    const names = { character: 'Mira', user: 'Alex' };
    await settings.set('background_llm_daily_tokens', 1);
    await t.dataSource.query(
      `INSERT INTO llm_background_spend (day, tokens) VALUES ((now() AT TIME ZONE 'UTC')::date, 1)
       ON CONFLICT (day) DO UPDATE SET tokens = GREATEST(llm_background_spend.tokens, 1)`,
    );
    try {
      expect(await summarizer.summarize(chatId, names)).toBe(false);
      expect(await summarizer.summarize(chatId, names)).toBe(false);
      expect(completions(summaryLlm)).toHaveLength(0);
      expect(await chatRow(chatId)).toEqual({
        summary: null,
        summarized_through_id: null,
        summarizing_until: null,
      });
    } finally {
      await settings.set(
        'background_llm_daily_tokens',
        SETTINGS.background_llm_daily_tokens.default,
      );
    }
    // A raised budget applies at once: the next trigger summarizes.
    summaryLlm.script({ content: SUMMARY });
    expect(await summarizer.summarize(chatId, names)).toBe(true);
  });

  it('keeps the chat working without a summary when every provider fails', async () => {
    const chatId = await chatWith(24);
    summaryLlm.onRequest(() => ({ fault: 'status', status: 400 }));
    chatLlm.script({ content: 'Mira lights the lamp.' });
    const res = await send(t, alice.auth, chatId, { content: 'line 25' });
    const { text, last } = replyOf(res.events);
    expect(text).toBe('Mira lights the lamp.');
    expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number) });

    await eventually(async () =>
      t.logs.some((record) => String(record.message).includes(`Chat ${chatId} not summarized`)),
    );
    const warning = t.logs.find((record) =>
      String(record.message).includes(`Chat ${chatId} not summarized`),
    );
    expect(warning!.level).toBe('warn');
    expect(t.errorLogs()).toEqual([]);
    expect(new Set(completions(summaryLlm).map(providerOf))).toEqual(
      new Set(['groq', 'cerebras', 'openrouter']),
    );
    // No summary, and the claim is given back so the next reply can try again.
    expect(await chatRow(chatId)).toEqual({
      summary: null,
      summarized_through_id: null,
      summarizing_until: null,
    });

    summaryLlm.reset();
    summaryLlm.script({ content: SUMMARY });
    chatLlm.script({ content: 'Mira smiles.' });
    const next = await send(t, alice.auth, chatId, { content: 'line 27' });
    expect(replyOf(next.events).last).toMatchObject({ type: 'done' });
    await eventually(async () => (await chatRow(chatId)).summary === SUMMARY);
    // 28 messages: all but the latest 15 are folded in.
    expect((await chatRow(chatId)).summarized_through_id).toBe((await messageIds(chatId))[12]);
  });
});
