import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ChatSummarizer } from '../../src/chat/chat-summarizer.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { SETTINGS } from '../../src/common/settings/settings.registry.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { providerEnv, providerOf } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { eventually, openChat, publicCharacter, replyOf, send } from './chat-support.js';
import { appendToPath } from '../support/messages.js';

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
  /** The second member of the group chats. */
  let bram: { id: string };

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
    bram = await publicCharacter(t, owner, { name: 'Bram', greeting: 'Bram coils a rope.' });
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
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: count - 1 }, (_, i) => ({
        role: (i + 2) % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `line ${i + 2}`,
      })),
    );
    await t.dataSource.query(`UPDATE chat SET message_count = $2 WHERE id = $1`, [chatId, count]);
    return chatId;
  }

  const chatRow = async (chatId: string) =>
    (
      await t.dataSource.query<
        Array<{ summary: string | null; summarized_through_id: number | null }>
      >(`SELECT summary, summarized_through_id::int FROM chat WHERE id = $1`, [chatId])
    )[0];

  /** The chat's summary jobs, oldest first. */
  const summaryJobs = (chatId: string) =>
    t.dataSource.query<Array<{ status: string; attempts: number; last_error: string | null }>>(
      `SELECT status, attempts, last_error FROM job
       WHERE type = 'chat.summarize' AND dedupe_key = $1 ORDER BY id`,
      [chatId],
    );

  /** Runs the queue until the summary job a reply queued (after its answer) has run. */
  const runQueuedSummary = () => eventually(async () => (await t.app.get(JobQueue).runDue()) > 0);

  const names = { character: 'Mira', user: 'Alex' };

  const messageIds = async (chatId: string): Promise<number[]> =>
    (
      await t.dataSource.query<Array<{ id: number }>>(
        `SELECT id::int FROM message WHERE chat_id = $1 ORDER BY id`,
        [chatId],
      )
    ).map((row) => row.id);

  it('summarizes a chat past 25 messages in a job after the reply, keeping the 15 latest out of it', async () => {
    const chatId = await chatWith(24);
    summaryLlm.script({ content: SUMMARY });

    // Below the threshold nothing happens: 24 + 2 = 26 messages only after this exchange.
    const res = await send(t, alice.auth, chatId, { content: 'line 25' });
    expect(replyOf(res.events).last).toMatchObject({ type: 'done' });

    await runQueuedSummary();
    const ids = await messageIds(chatId);
    expect(ids).toHaveLength(26);
    expect(await chatRow(chatId)).toEqual({ summary: SUMMARY, summarized_through_id: ids[10] });
    expect(await summaryJobs(chatId)).toEqual([{ status: 'done', attempts: 1, last_error: null }]);

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
    // Its own system message after the system prompt (and any memories), before the history.
    expect(messages[0].content).not.toContain(SUMMARY);
    const summaryAt = messages.findIndex((message) => message.content.includes(SUMMARY));
    expect(summaryAt).toBeGreaterThan(0);
    expect(messages.slice(0, summaryAt + 1).every((message) => message.role === 'system')).toBe(
      true,
    );
    const history = messages.filter((message) => message.role !== 'system');
    expect(history[0].content).toBe('line 12');
    expect(history.map((message) => message.content)).not.toContain('line 11');
    expect(history.at(-1)!.content).toBe('line 27');
    // 27 + 1 messages, 17 unsummarized: no new summary yet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t.app.get(JobQueue).runDue();
    expect(completions(summaryLlm)).toHaveLength(1);
  });

  it("summarizes a group chat naming each line's speaker, and every member's next prompt reads it", async () => {
    const open = await t.http
      .post('/api/chats')
      .set(alice.auth)
      .send({ character_ids: [character.id, bram.id], language: 'en' })
      .expect(201);
    const chatId = open.body.id as string;
    await t.dataSource.query(`UPDATE chat SET persona_name = 'Alex' WHERE id = $1`, [chatId]);
    // After Mira's greeting, the user's lines take turns with Bram's and Mira's.
    const speakerOf = (n: number) => (n % 2 === 0 ? null : n % 4 === 1 ? character.id : bram.id);
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: 23 }, (_, i) => ({
        role: speakerOf(i + 2) ? ('assistant' as const) : ('user' as const),
        characterId: speakerOf(i + 2),
        content: `line ${i + 2}`,
      })),
    );
    const nameOf = (n: number) =>
      speakerOf(n) === null ? 'Alex' : speakerOf(n) === character.id ? 'Mira' : 'Bram';

    // A round of two replies takes the chat to 27 messages: the 12 oldest are folded in.
    summaryLlm.script({ content: SUMMARY });
    chatLlm.script({ content: 'Mira lights the lamp.' }, { content: 'Bram bars the door.' });
    const round = await send(t, alice.auth, chatId, { content: 'line 25' });
    expect(round.events.filter((event) => event.type === 'done')).toHaveLength(2);
    await runQueuedSummary();

    const ids = await messageIds(chatId);
    expect(ids).toHaveLength(27);
    expect(await chatRow(chatId)).toEqual({ summary: SUMMARY, summarized_through_id: ids[11] });
    const [request] = completions(summaryLlm);
    expect(completions(summaryLlm)).toHaveLength(1);
    const [, user] = request.body!.messages as UpstreamMessage[];
    expect(user.content).toBe(
      [
        'Previous summary:',
        '(none yet)',
        '',
        'New messages:',
        [
          'Mira: Mira unlocks the lighthouse door.',
          ...Array.from({ length: 11 }, (_, i) => `${nameOf(i + 2)}: line ${i + 2}`),
        ].join('\n\n'),
      ].join('\n'),
    );
    // Each of the three speakers named as such, not all as the lead.
    expect(user.content).toContain('Bram: line 3');
    expect(user.content).toContain('Mira: line 5');
    expect(user.content).toContain('Alex: line 4');

    // The next round: both members read the summary in its own system block, then only the
    // messages after it (line 13, Mira's, is the first).
    chatLlm.reset();
    chatLlm.script({ content: 'Mira trims the wick.' }, { content: 'Bram nods.' });
    await send(t, alice.auth, chatId, { content: 'line 28' });
    const [forMira, forBram] = completions(chatLlm).map(
      (sent) => sent.body!.messages as UpstreamMessage[],
    );
    for (const messages of [forMira, forBram]) {
      expect(messages[0].content).not.toContain(SUMMARY);
      const summaryAt = messages.findIndex((message) => message.content.includes(SUMMARY));
      expect(summaryAt).toBeGreaterThan(0);
      expect(messages.slice(0, summaryAt + 1).every((message) => message.role === 'system')).toBe(
        true,
      );
      const history = messages.filter((message) => message.role !== 'system');
      expect(history.some((message) => message.content.includes('line 12'))).toBe(false);
      expect(history.at(-1)!.content).toContain('line 28');
    }
    const historyOf = (messages: UpstreamMessage[]) =>
      messages.filter((message) => message.role !== 'system');
    expect(historyOf(forMira)[0]).toEqual({ role: 'assistant', content: 'line 13' });
    expect(historyOf(forBram)[0].content).toMatch(/^\[Mira\]: line 13\n\nline 14/);
  });

  it('falls back across the summary providers in order', async () => {
    const chatId = await chatWith(24);
    summaryLlm.onRequest((request) =>
      providerOf(request) === 'groq' ? { fault: 'status', status: 400 } : { content: SUMMARY },
    );
    await send(t, alice.auth, chatId, { content: 'line 25' });
    await runQueuedSummary();
    expect((await chatRow(chatId)).summary).toBe(SUMMARY);
    const providers = completions(summaryLlm).map(providerOf);
    expect(providers[0]).toBe('groq');
    expect(providers.at(-1)).toBe('cerebras');
    expect(providers).not.toContain('openrouter');
  });

  it('never delays the reply, and triggers while a summary is queued or written make one', async () => {
    const chatId = await chatWith(24);
    summaryLlm.script({ content: SUMMARY, firstTokenDelayMs: 2000 });
    const res = await send(t, alice.auth, chatId, { content: 'line 25' });
    expect(replyOf(res.events).last).toMatchObject({ type: 'done' });
    const summarizer = t.app.get(ChatSummarizer);
    // Triggers while the job is queued (other replies, other instances) join it.
    await eventually(async () => (await summaryJobs(chatId)).length === 1);
    for (let i = 0; i < 5; i++) summarizer.trigger(chatId, names);

    const queue = t.app.get(JobQueue);
    const run = queue.runDue();
    await summaryLlm.waitForRequests(1);
    // While it is written, the next reply and more triggers queue one more job, which finds
    // nothing left to fold once the first is saved.
    chatLlm.script({ content: 'Mira waits.' });
    await send(t, alice.auth, chatId, { content: 'line 27' });
    for (let i = 0; i < 5; i++) summarizer.trigger(chatId, names);
    await eventually(async () =>
      (await summaryJobs(chatId)).some((job) => job.status === 'pending'),
    );
    expect((await summaryJobs(chatId)).map((job) => job.status)).toEqual(['running', 'pending']);
    expect(await run).toBe(2);

    expect((await chatRow(chatId)).summary).toBe(SUMMARY);
    expect(completions(summaryLlm)).toHaveLength(1);
    expect(await summaryJobs(chatId)).toEqual([
      { status: 'done', attempts: 1, last_error: null },
      { status: 'done', attempts: 1, last_error: null },
    ]);
  });

  it('queues one summary of a chat however many triggers come at once', async () => {
    const chatId = await chatWith(30);
    summaryLlm.script({ content: SUMMARY });
    const summarizer = t.app.get(ChatSummarizer);
    for (let i = 0; i < 8; i++) summarizer.trigger(chatId, names);
    await runQueuedSummary();
    await t.app.get(JobQueue).runDue();
    expect(completions(summaryLlm)).toHaveLength(1);
    expect((await chatRow(chatId)).summarized_through_id).toBe((await messageIds(chatId))[14]);
    const jobs = await summaryJobs(chatId);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
  });

  it("makes no summary once the day's background budget is spent", async () => {
    const settings = t.app.get(SettingsService);
    const chatId = await chatWith(30);
    const summarizer = t.app.get(ChatSummarizer);
    await settings.set('background_llm_daily_tokens', 1);
    await t.dataSource.query(
      `INSERT INTO llm_background_spend (day, tokens) VALUES ((now() AT TIME ZONE 'UTC')::date, 1)
       ON CONFLICT (day) DO UPDATE SET tokens = GREATEST(llm_background_spend.tokens, 1)`,
    );
    try {
      summarizer.trigger(chatId, names);
      await runQueuedSummary();
      expect(completions(summaryLlm)).toHaveLength(0);
      expect(await chatRow(chatId)).toEqual({ summary: null, summarized_through_id: null });
      // Skipped, not saved up for later: the next trigger asks again.
      expect(await summaryJobs(chatId)).toEqual([
        { status: 'done', attempts: 1, last_error: null },
      ]);
    } finally {
      await settings.set(
        'background_llm_daily_tokens',
        SETTINGS.background_llm_daily_tokens.default,
      );
    }
    // A raised budget applies at once: the next trigger summarizes.
    summaryLlm.script({ content: SUMMARY });
    summarizer.trigger(chatId, names);
    await runQueuedSummary();
    expect((await chatRow(chatId)).summary).toBe(SUMMARY);
  });

  it('keeps the chat working without a summary when every provider fails, and retries the job', async () => {
    const chatId = await chatWith(24);
    summaryLlm.onRequest(() => ({ fault: 'status', status: 400 }));
    chatLlm.script({ content: 'Mira lights the lamp.' });
    const res = await send(t, alice.auth, chatId, { content: 'line 25' });
    const { text, last } = replyOf(res.events);
    expect(text).toBe('Mira lights the lamp.');
    expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number) });

    await runQueuedSummary();
    expect(new Set(completions(summaryLlm).map(providerOf))).toEqual(
      new Set(['groq', 'cerebras', 'openrouter']),
    );
    expect(await chatRow(chatId)).toEqual({ summary: null, summarized_through_id: null });
    // Back in the queue, due after a backoff, with what went wrong.
    const [failed] = await summaryJobs(chatId);
    expect(failed).toEqual({ status: 'pending', attempts: 1, last_error: expect.any(String) });
    expect(await t.app.get(JobQueue).runDue()).toBe(0);
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(
          /^Job chat\.summarize#\d+ attempt 1\/3 failed: .* \(retry in \d+ s\)$/,
        ),
      }),
    );
    expect(t.errorLogs()).toEqual([]);

    // The retry, once due, writes the summary: 26 messages, all but the latest 15 folded in.
    summaryLlm.reset();
    summaryLlm.script({ content: SUMMARY });
    await t.dataSource.query(
      `UPDATE job SET run_at = now() WHERE type = 'chat.summarize' AND dedupe_key = $1`,
      [chatId],
    );
    expect(await t.app.get(JobQueue).runDue()).toBe(1);
    expect(await chatRow(chatId)).toEqual({
      summary: SUMMARY,
      summarized_through_id: (await messageIds(chatId))[10],
    });
    expect(await summaryJobs(chatId)).toEqual([{ status: 'done', attempts: 2, last_error: null }]);
  });
});
