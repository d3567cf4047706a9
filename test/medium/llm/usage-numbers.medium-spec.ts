import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { LlmModule } from '../../../src/llm/llm.module.js';
import { LlmService } from '../../../src/llm/llm.service.js';
import { MAX_DELTA_CHARS } from '../../../src/llm/output/text-pieces.js';
import { TokenEstimator } from '../../../src/llm/usage/token-estimator.js';
import { llmEnv } from '../../chat/chat-support.js';
import { drain, HOSTILE_USAGE } from '../../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';

// Issue #24 items 1 and 8, at the LLM layer: what LlmService hands the chat layer is bounded
// in size, and its usage numbers are counts whatever the provider reports. What a client gets
// from the same upstream is in test/resilience/token-counting.e2e-spec.ts.
describe('LlmService: delta sizes and provider usage numbers', () => {
  let fake: FakeLlm;
  let t: MediumModule;
  let llm: LlmService;
  const estimator = new TokenEstimator();

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createMediumModule({ imports: [LlmModule], env: llmEnv(fake) });
    llm = t.app.get(LlmService);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('hands the chat layer no delta over MAX_DELTA_CHARS, around think tags and at the ceiling', async () => {
    const visible = 'x'.repeat(100_000) + 'y'.repeat(300_000);
    fake.script({
      tokens: [
        `<think>${'r'.repeat(100_000)}</think>${'x'.repeat(100_000)}<thi`,
        `nk>hidden</think>${'y'.repeat(300_000)}`,
      ],
      usage: null,
    });
    const { deltas, text, usage } = await drain(
      llm.stream({
        messages: [{ role: 'user', content: 'Go on.' }],
        config: { maxTokens: 16_384 },
      }),
    );
    expect(Math.max(...deltas.map((delta) => delta.length))).toBeLessThanOrEqual(MAX_DELTA_CHARS);
    expect(text).toBe(visible.slice(0, 16_384 * 16));
    expect(usage).toMatchObject({ estimated: true });
  });

  describe('usage numbers a provider reports', () => {
    it.each(HOSTILE_USAGE)('are estimated when %s', async (_, usage) => {
      fake.script({ content: 'The tide turns.', usage });
      const { text, usage: counted } = await drain(
        llm.stream({ messages: [{ role: 'user', content: 'Tide?' }] }),
      );
      expect(text).toBe('The tide turns.');
      expect(counted).toMatchObject({
        estimated: true,
        // Three tokens for the reply, three for the message, and "Tide?".
        promptTokens: 6 + (await estimator.count('Tide?')),
        completionTokens: await estimator.count('The tide turns.'),
      });
    });

    it('are kept when they are counts, one field estimated when only it is not', async () => {
      const messages = [{ role: 'user' as const, content: 'Tide?' }];
      fake.script({ content: 'Low.', usage: { prompt_tokens: 0, completion_tokens: 10_000_000 } });
      expect((await drain(llm.stream({ messages }))).usage).toMatchObject({
        estimated: false,
        promptTokens: 0,
        completionTokens: 10_000_000,
      });
      fake.script({ content: 'Low.', usage: { prompt_tokens: 42, completion_tokens: 'many' } });
      expect((await drain(llm.stream({ messages }))).usage).toMatchObject({
        estimated: true,
        promptTokens: 42,
        completionTokens: await estimator.count('Low.'),
      });
    });
  });
});
