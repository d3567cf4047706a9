import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ProviderUnavailableError } from '../../../src/llm/llm.errors.js';
import { LlmModule } from '../../../src/llm/llm.module.js';
import { LlmService } from '../../../src/llm/llm.service.js';
import { drain, messages } from '../../llm/llm-test-support.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';

describe('offline provider (no provider key configured)', () => {
  let t: MediumModule;
  let llm: LlmService;

  beforeAll(async () => {
    t = await createMediumModule({
      imports: [LlmModule],
      env: { OFFLINE_LLM_TOKEN_DELAY_MS: '0' },
    });
    llm = t.app.get(LlmService);
  });

  afterAll(() => t?.close());

  it('says so once at start-up', () => {
    const lines = t.logs.filter((record) => String(record.message).includes('offline provider'));
    expect(lines).toHaveLength(1);
  });

  it('streams an in-character reply to auto requests and names itself as the model', async () => {
    const { text, deltas, usage } = await drain(llm.stream({ messages }));
    expect(deltas.length).toBeGreaterThan(5);
    expect(text).toContain('Luna');
    expect(text).toContain('Any rooms free tonight');
    expect(usage).toEqual({
      type: 'usage',
      provider: 'offline',
      model: 'offline',
      promptTokens: expect.any(Number),
      completionTokens: expect.any(Number),
      estimated: true,
    });
    expect(usage!.completionTokens).toBeGreaterThan(5);
    // Deterministic: the same prompt, the same reply.
    expect((await llm.generate({ messages })).content).toBe(text);
  });

  it('stands in for a provider asked for by name', async () => {
    await expect(llm.generate({ provider: 'groq', messages })).resolves.toMatchObject({
      provider: 'offline',
      model: 'offline',
    });
  });

  it('is never given to background jobs', async () => {
    expect(await llm.availableProviders()).toEqual([]);
    await expect(llm.generateWithFallback(messages)).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
  });
});
