import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CONTEXT_TOKEN_BUDGET } from '../../src/chat/reply-context.service.js';
import { TokenEstimator } from '../../src/llm/usage/token-estimator.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { appendToPath } from '../support/messages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { ChatRepository } from '../../src/chat/chat.repository.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { eventually, llmEnv, openChat, publicCharacter, replyOf, send } from './chat-support.js';

import type { ChatMessage } from '../../src/llm/llm.types.js';

describe('chat memory', () => {
  let llm: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let alice: TestUser;
  let character: { id: string };
  const tokenizer = new TokenEstimator();

  beforeAll(async () => {
    llm = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(llm), RATE_LIMIT_SCALE: '0' } });
    [owner, alice] = await Promise.all([createUser(t), createUser(t, { tier: 'premium' })]);
    character = await publicCharacter(t, owner, { name: 'Mira', greeting: 'Mira waves.' });
  });

  beforeEach(() => llm.reset());

  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const completions = (): RecordedRequest[] =>
    llm.requests.filter((request) => request.path.endsWith('/chat/completions'));
  const promptOf = (request: RecordedRequest): ChatMessage[] =>
    (request.body?.messages ?? []) as ChatMessage[];

  describe('token counts', () => {
    it('stores each message’s token count when it is written', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'ru' });
      const content = 'Капитан, где спрятана карта сокровищ? Скажите мне правду.';
      const { events } = await send(t, alice.auth, chatId, { content });
      const reply = replyOf(events).text;
      const rows = await t.dataSource.query<Array<{ role: string; tokens: number | null }>>(
        `SELECT role, tokens FROM message WHERE chat_id = $1 AND parent_id IS NOT NULL
         ORDER BY id`,
        [chatId],
      );
      expect(rows).toEqual([
        { role: 'user', tokens: await tokenizer.count(content) },
        { role: 'assistant', tokens: await tokenizer.count(reply) },
      ]);
    });

    it('budgets Russian history by real tokens, not four characters a token', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'ru' });
      const line = 'Капитан Мира стояла на мостике и смотрела, как над гаванью поднимается туман. ';
      // 40 lines of ~2,000 characters: ~20,000 tokens at four characters a token (all would
      // fit), ~26,000 real ones (they cannot all fit in 24,000).
      const lines = Array.from({ length: 40 }, (_, i) => `[${i}] ${line.repeat(26)}`);
      await appendToPath(
        t.dataSource,
        chatId,
        lines.map((content, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content,
        })),
      );
      const estimated = lines.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
      expect(estimated).toBeLessThan(CONTEXT_TOKEN_BUDGET - 2000);
      await send(t, alice.auth, chatId, { content: 'Что дальше?' });
      const prompt = promptOf(completions()[0]);
      const carried = lines.filter((text) => prompt.some((m) => m.content.includes(text)));
      expect(carried.length).toBeLessThan(lines.length);
      expect(carried.length).toBeGreaterThan(20);
      const real = await tokenizer.countMessages(prompt);
      // The budget holds in real tokens (the message framing aside), and is nearly used.
      expect(real).toBeLessThanOrEqual(CONTEXT_TOKEN_BUDGET + 3 * prompt.length + 3);
      expect(real).toBeGreaterThan(CONTEXT_TOKEN_BUDGET - 1500);
    });
  });

  describe('memory panel', () => {
    const memoryOf = (chatId: string, who = alice.auth) =>
      t.http.get(`/api/chats/${chatId}/memory`).set(who);
    const putMemory = (chatId: string, body: Record<string, unknown>, who = alice.auth) =>
      t.http.put(`/api/chats/${chatId}/memory`).set(who).send(body);

    it('shows the summary, the pinned notes and the author’s note; notes reach every prompt', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
      await t.http
        .put(`/api/chats/${chatId}/settings`)
        .set(alice.auth)
        .send({ author_note: { text: 'Keep it tense.', depth: 2 } })
        .expect(200);
      const { body: empty } = await memoryOf(chatId).expect(200);
      expect(empty).toEqual({
        summary: null,
        summary_edited_at: null,
        summarized_through_message_id: null,
        pinned_notes: [],
        pinned_note_limits: { count: 30, chars: 1000 },
        author_note: { text: 'Keep it tense.', depth: 2 },
      });

      const { body: pinned } = await putMemory(chatId, {
        pinned_notes: [
          { text: 'Alex is afraid of deep water.' },
          { text: 'The ship is the Gull.' },
        ],
      }).expect(200);
      expect(pinned.pinned_notes.map((note: { text: string }) => note.text)).toEqual([
        'Alex is afraid of deep water.',
        'The ship is the Gull.',
      ]);
      // A listed id keeps its note; one left out goes.
      const [fear] = pinned.pinned_notes as Array<{ id: number; text: string }>;
      const { body: kept } = await putMemory(chatId, {
        pinned_notes: [{ id: fear.id, text: 'Alex cannot swim.' }, { text: 'Mira owes Alex.' }],
      }).expect(200);
      expect(kept.pinned_notes[0]).toEqual({ id: fear.id, text: 'Alex cannot swim.' });
      expect(kept.pinned_notes).toHaveLength(2);

      await send(t, alice.auth, chatId, { content: 'Shall we sail?' });
      const prompt = promptOf(completions()[0]);
      expect(prompt[1].role).toBe('system');
      expect(prompt[1].content).toContain("The player's notes on this story");
      expect(prompt[1].content).toContain('- Alex cannot swim.\n- Mira owes Alex.');
    });

    it('holds notes to the tier’s count and length, and answers others’ chats with 404', async () => {
      const bob = await createUser(t);
      const chatId = await openChat(t, bob.auth, character.id);
      const { body: tooMany } = await putMemory(
        chatId,
        { pinned_notes: Array.from({ length: 11 }, (_, i) => ({ text: `note ${i}` })) },
        bob.auth,
      ).expect(400);
      expect(tooMany.message).toMatch(/at most 10 notes on the free tier/);
      const { body: tooLong } = await putMemory(
        chatId,
        { pinned_notes: [{ text: 'x'.repeat(501) }] },
        bob.auth,
      ).expect(400);
      expect(tooLong.message).toMatch(/pinned_notes\[0\]\.text: at most 500 characters/);
      await memoryOf(chatId, alice.auth).expect(404);
      await putMemory(chatId, { summary: 'Mine now.' }, alice.auth).expect(404);
    });

    it('keeps a summary the user wrote: the summarizer folds new messages into it', async () => {
      const chatId = await openChat(t, alice.auth, character.id, { language: 'en' });
      await appendToPath(
        t.dataSource,
        chatId,
        Array.from({ length: 30 }, (_, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: `line ${i + 2}`,
        })),
      );
      const written = 'Alex’s sister is called Yara. She vanished at sea.';
      const { body } = await putMemory(chatId, { summary: written }).expect(200);
      expect(body.summary).toBe(written);
      expect(body.summary_edited_at).toEqual(expect.any(String));

      llm.onRequest((request) =>
        promptOf(request)[0]?.content.startsWith('You keep the memory')
          ? { content: 'Alex’s sister Yara vanished at sea. Alex and Mira talked for hours.' }
          : undefined,
      );
      await send(t, alice.auth, chatId, { content: 'line 32' });
      await eventually(async () => (await t.app.get(JobQueue).runDue()) > 0);
      const summaryRequest = completions().find((request) =>
        promptOf(request)[0]?.content.startsWith('You keep the memory'),
      )!;
      expect(promptOf(summaryRequest)[1].content).toContain(
        `Previous summary: The player wrote or corrected this summary: keep every fact it states.\n${written}`,
      );
      const { body: after } = await memoryOf(chatId).expect(200);
      expect(after.summary).toBe(
        'Alex’s sister Yara vanished at sea. Alex and Mira talked for hours.',
      );
      expect(after.summarized_through_message_id).toEqual(expect.any(Number));

      // A summary written from what the user has since rewritten is not saved over it.
      await putMemory(chatId, { summary: 'Yara is alive.' }).expect(200);
      const saved = await t.app
        .get(ChatRepository)
        .saveSummary(
          chatId,
          'stale',
          after.summarized_through_message_id + 2,
          after.summarized_through_message_id,
          after.summary,
        );
      expect(saved).toBe(false);
      expect((await memoryOf(chatId).expect(200)).body.summary).toBe('Yara is alive.');
    });
  });
});
