import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CONTEXT_TOKEN_BUDGET } from '../../src/chat/reply-context.service.js';
import { TokenEstimator } from '../../src/llm/usage/token-estimator.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { appendToPath } from '../support/messages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { llmEnv, openChat, publicCharacter, replyOf, send } from './chat-support.js';

type UpstreamMessage = { role: string; content: string };

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
  const promptOf = (request: RecordedRequest): UpstreamMessage[] =>
    (request.body?.messages ?? []) as UpstreamMessage[];

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
});
