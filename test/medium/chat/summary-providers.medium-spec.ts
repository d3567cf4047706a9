import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatSummarizer } from '../../../src/chat/chat-summarizer.service.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser } from '../../support/users.js';
import { publicCharacter } from '../../chat/chat-support.js';
import { providerEnv, providerOf } from '../../llm/llm-test-support.js';
import { appendToPath } from '../../support/messages.js';

const SUMMARY = 'Alex and Mira climbed the lighthouse.';

/** Issue #22 item 6: summaries always have a provider where chats have one. */
describe('chat summaries when SUMMARY_PROVIDER_ORDER names no configured provider', () => {
  let fake: FakeLlm;
  let t: MediumModule;

  beforeAll(async () => {
    fake = await startFakeLlm();
    // Only OpenAI has a key; SUMMARY_PROVIDER_ORDER keeps its default (groq, cerebras, openrouter).
    t = await createMediumModule({
      imports: [ChatModule],
      env: { ...providerEnv(fake.baseURL, ['openai']), LLM_PROVIDER_ORDER: 'openai' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('says so at start-up', () => {
    expect(t.logs.map((record) => record.message)).toContainEqual(
      expect.stringMatching(
        /^SUMMARY_PROVIDER_ORDER \(groq, cerebras, openrouter\) names no configured provider: summaries use LLM_PROVIDER_ORDER \(openai\)/,
      ),
    );
  });

  it("summarizes with the chat's providers instead of never", async () => {
    const [owner, alice] = await Promise.all([createUser(t), createUser(t)]);
    const { id: characterId } = await publicCharacter(t, owner, { greeting: '' });
    const caller: ChatCaller = {
      user: { id: alice.id, email: alice.email, role: 'user', tier: 'free' },
    };
    const chatId = (
      await t.app.get(ChatService).create({ character_id: characterId, force_new: true }, caller)
    ).chat.id;
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: 30 }, (_, i) => ({
        role: (i + 1) % 2 === 1 ? ('user' as const) : ('assistant' as const),
        content: `line ${i + 1}`,
      })),
    );
    fake.script({ content: SUMMARY });

    const saved = await t.app
      .get(ChatSummarizer)
      .summarize(chatId, { character: 'Mira', user: 'Alex' });

    expect(saved).toBe(true);
    expect(fake.requests.map(providerOf)).toEqual(['openai']);
    const [chat] = await t.dataSource.query<Array<{ summary: string }>>(
      `SELECT summary FROM chat WHERE id = $1`,
      [chatId],
    );
    expect(chat.summary).toBe(SUMMARY);
  });
});
