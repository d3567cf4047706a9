import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { LLM_PROVIDER_NAMES } from '../../../src/config/configuration.js';
import { LlmModule } from '../../../src/llm/llm.module.js';
import { LlmService } from '../../../src/llm/llm.service.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { drain, messages, providerEnv, providerOf } from '../../llm/llm-test-support.js';

const DEFAULT_MODELS = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-6',
  gemini: 'gemini-2.5-flash',
  deepseek: 'deepseek-chat',
  qwen: 'qwen3-32b',
  together: 'deepseek-ai/DeepSeek-V3',
  groq: 'llama-3.3-70b-versatile',
  cerebras: 'llama-3.3-70b',
  openrouter: 'deepseek/deepseek-chat-v3-0324:free',
};

describe('LLM providers against the fake upstream', () => {
  let fake: FakeLlm;
  let t: MediumModule;
  let llm: LlmService;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createMediumModule({
      imports: [LlmModule],
      env: providerEnv(fake.baseURL, LLM_PROVIDER_NAMES),
    });
    llm = t.app.get(LlmService);
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const lastBody = () => fake.requests.at(-1)!.body!;

  it.each(LLM_PROVIDER_NAMES)('%s: streams the reply and reports usage and model', async (name) => {
    const { text, deltas, usage } = await drain(llm.stream({ provider: name, messages }));

    expect(deltas).toEqual(['Hello', ' from', ' the', ' fake', ' model', '.']);
    expect(text).toBe('Hello from the fake model.');
    expect(usage).toEqual({
      type: 'usage',
      provider: name,
      model: DEFAULT_MODELS[name],
      promptTokens: expect.any(Number),
      completionTokens: 6,
      estimated: false,
    });
    // Together also fetches its model list on first use.
    const completions = fake.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(completions).toHaveLength(1);
    const [request] = completions;
    expect(providerOf(request)).toBe(name);
    expect(request.body).toMatchObject({
      model: DEFAULT_MODELS[name],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('generate() returns the whole reply with usage', async () => {
    fake.script({ content: 'A room with a view, yes.', usage: { prompt_tokens: 42 } });
    await expect(llm.generate({ provider: 'groq', messages })).resolves.toEqual({
      content: 'A room with a view, yes.',
      provider: 'groq',
      model: 'llama-3.3-70b-versatile',
      promptTokens: 42,
      completionTokens: 6,
    });
  });

  it('passes an explicit model and the sampling settings through', async () => {
    await drain(
      llm.stream({
        provider: 'groq',
        messages,
        config: {
          model: 'llama-3.1-8b-instant',
          temperature: 0.9,
          topP: 0.95,
          topK: 40,
          maxTokens: 300,
          frequencyPenalty: 0.3,
          presencePenalty: 0.5,
        },
      }),
    );
    expect(lastBody()).toMatchObject({
      model: 'llama-3.1-8b-instant',
      temperature: 0.9,
      top_p: 0.95,
      max_tokens: 300,
      frequency_penalty: 0.3,
      presence_penalty: 0.5,
      messages,
    });
    // OpenAI-style APIs without top_k reject it.
    expect(lastBody()).not.toHaveProperty('top_k');
  });

  describe('request bodies', () => {
    const sampling = {
      temperature: 0.8,
      topP: 0.9,
      topK: 50,
      maxTokens: 200,
      frequencyPenalty: 0.4,
      presencePenalty: 0.2,
    };

    it('cerebras never sends frequency or presence penalty', async () => {
      await drain(llm.stream({ provider: 'cerebras', messages, config: sampling }));
      expect(lastBody()).toMatchObject({ temperature: 0.8, top_p: 0.9, max_tokens: 200 });
      expect(lastBody()).not.toHaveProperty('frequency_penalty');
      expect(lastBody()).not.toHaveProperty('presence_penalty');
    });

    it('gemini never sends frequency or presence penalty (Gemini 2.5 refuses them)', async () => {
      await drain(llm.stream({ provider: 'gemini', messages, config: sampling }));
      expect(lastBody()).toMatchObject({ temperature: 0.8, top_p: 0.9, max_tokens: 200 });
      expect(lastBody()).not.toHaveProperty('frequency_penalty');
      expect(lastBody()).not.toHaveProperty('presence_penalty');
    });

    it('openai sends no sampling settings to reasoning models, which refuse them', async () => {
      for (const model of ['o3-mini', 'gpt-5']) {
        await drain(llm.stream({ provider: 'openai', messages, config: { ...sampling, model } }));
        expect(lastBody()).toMatchObject({ model, max_completion_tokens: 200 });
        for (const field of ['temperature', 'top_p', 'frequency_penalty', 'presence_penalty']) {
          expect(lastBody()).not.toHaveProperty(field);
        }
      }
      await drain(llm.stream({ provider: 'openai', messages, config: sampling }));
      expect(lastBody()).toMatchObject({ temperature: 0.8, frequency_penalty: 0.4 });
    });

    it('a model refusing a parameter is asked again without it, and never sent it again', async () => {
      const model = 'llama-3.1-8b-instant';
      fake.script({
        fault: 'status',
        status: 400,
        body: { error: { message: `Penalty is not enabled for models/${model}` } },
      });
      const { text, usage } = await drain(
        llm.stream({ provider: 'groq', messages, config: { ...sampling, model } }),
      );
      expect(text).toBe('Hello from the fake model.');
      expect(usage).toMatchObject({ provider: 'groq', model });
      const [refused, retried] = fake.requests.map((request) => request.body!);
      expect(fake.requests).toHaveLength(2);
      expect(refused).toMatchObject({ model, frequency_penalty: 0.4, presence_penalty: 0.2 });
      expect(retried).toMatchObject({ model, temperature: 0.8, top_p: 0.9, max_tokens: 200 });
      expect(retried).not.toHaveProperty('frequency_penalty');
      expect(retried).not.toHaveProperty('presence_penalty');

      // Learned: the next request leaves them out from the start; other models keep them.
      fake.reset();
      await drain(llm.stream({ provider: 'groq', messages, config: { ...sampling, model } }));
      expect(fake.requests).toHaveLength(1);
      expect(lastBody()).not.toHaveProperty('frequency_penalty');
      await drain(llm.stream({ provider: 'groq', messages, config: sampling }));
      expect(lastBody()).toMatchObject({ frequency_penalty: 0.4, presence_penalty: 0.2 });
    });

    it('a refusal naming no parameter we sent is no reason to ask again', async () => {
      fake.script({
        fault: 'status',
        status: 400,
        body: { error: { message: "Unsupported parameter: 'logprobs'" } },
      });
      await drain(llm.stream({ provider: 'groq', messages, config: sampling }));
      // The next model answered: the refused one was not asked twice.
      expect(fake.requests.map((request) => request.body!.model)).toEqual([
        DEFAULT_MODELS.groq,
        'moonshotai/kimi-k2-instruct',
      ]);
    });

    it('anthropic never sends temperature and top_p together; top_p wins', async () => {
      await drain(llm.stream({ provider: 'anthropic', messages, config: sampling }));
      expect(lastBody()).toMatchObject({ top_p: 0.9 });
      expect(lastBody()).not.toHaveProperty('temperature');

      await drain(llm.stream({ provider: 'anthropic', messages, config: { temperature: 0.7 } }));
      expect(lastBody()).toMatchObject({ temperature: 0.7 });
      expect(lastBody()).not.toHaveProperty('top_p');
    });

    it('qwen disables thinking and accepts top_k', async () => {
      await drain(llm.stream({ provider: 'qwen', messages, config: sampling }));
      expect(lastBody()).toMatchObject({ model: 'qwen3-32b', enable_thinking: false, top_k: 50 });
    });

    it('openrouter merges the system prompt into the first user message for Gemma only', async () => {
      const gemma = 'google/gemma-3-27b-it:free';
      await drain(llm.stream({ provider: 'openrouter', messages, config: { model: gemma } }));
      expect(lastBody().messages).toEqual([
        { role: 'user', content: `${messages[0].content}\n\n${messages[1].content}` },
      ]);

      await drain(llm.stream({ provider: 'openrouter', messages }));
      expect(lastBody().messages).toEqual(messages);
    });

    describe('a system message after the history (read last)', () => {
      const chat = [
        { role: 'system' as const, content: 'You are Luna.' },
        { role: 'user' as const, content: 'Hi.' },
        { role: 'assistant' as const, content: 'Welcome.' },
        { role: 'user' as const, content: 'A room?' },
        { role: 'system' as const, content: '[Reminder: stay in character.]' },
      ];
      const folded = [
        ...chat.slice(0, 3),
        { role: 'user', content: 'A room?\n\n[Reminder: stay in character.]' },
      ];

      it.each([
        ['groq', undefined],
        ['openai', undefined],
        ['cerebras', undefined],
        ['qwen', undefined],
        ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
        ['openrouter', 'meta-llama/llama-3.3-70b-instruct:free'],
      ] as const)(
        '%s %s: stays a system message after the last user turn',
        async (provider, model) => {
          await drain(llm.stream({ provider, messages: chat, config: { model } }));
          expect(lastBody().messages).toEqual(chat);
        },
      );

      it.each([
        ['anthropic', undefined],
        ['gemini', undefined],
        ['deepseek', undefined],
        ['together', 'deepseek-ai/DeepSeek-V3'],
        ['openrouter', 'deepseek/deepseek-chat-v3-0324:free'],
      ] as const)(
        '%s %s: goes into the last user turn (system messages only read at the top)',
        async (provider, model) => {
          await drain(llm.stream({ provider, messages: chat, config: { model } }));
          expect(lastBody().messages).toEqual(folded);
        },
      );

      it('openrouter gemma: the system prompt leads the first user turn, the rest the last', async () => {
        const model = 'google/gemma-3-27b-it:free';
        await drain(llm.stream({ provider: 'openrouter', messages: chat, config: { model } }));
        expect(lastBody().messages).toEqual([
          { role: 'user', content: 'You are Luna.\n\nHi.' },
          folded[2],
          folded[3],
        ]);
      });
    });

    it('openai sends max_completion_tokens instead of the deprecated max_tokens', async () => {
      await drain(llm.stream({ provider: 'openai', messages, config: { maxTokens: 123 } }));
      expect(lastBody()).toMatchObject({ max_completion_tokens: 123 });
      expect(lastBody()).not.toHaveProperty('max_tokens');
    });
  });

  describe('output hygiene', () => {
    it('takes a finished reply whose upstream keeps the connection open', async () => {
      fake.script({ content: 'Done here.', holdOpen: true });
      const { text, usage } = await drain(llm.stream({ provider: 'groq', messages }));
      expect(text).toBe('Done here.');
      expect(usage).toMatchObject({ provider: 'groq' });
    });

    /** Models on a cooldown, on every instance. */
    const cooling = async () =>
      (
        await t.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM llm_model_cooldown`,
        )
      )[0].n;

    it('cools no model down for a reply its own max_tokens cut before any text', async () => {
      const before = await cooling();
      fake.script(
        { tokens: ['<think>', 'pondering'], finishReason: 'length' },
        { content: 'Second model here.' },
      );
      const { text } = await drain(
        llm.stream({ provider: 'groq', messages, config: { maxTokens: 2 } }),
      );
      expect(text).toBe('Second model here.');
      expect(await cooling()).toBe(before);
    });

    it('cools no model down for a failure of a model the caller named', async () => {
      const before = await cooling();
      fake.script({
        fault: 'status',
        status: 404,
        body: { error: { message: 'The model `insufficient_balance` does not exist' } },
      });
      await expect(
        drain(
          llm.stream({ provider: 'groq', messages, config: { model: 'insufficient_balance' } }),
        ),
      ).rejects.toThrow();
      expect(await cooling()).toBe(before);
      const [blocked] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM llm_provider_block WHERE provider = 'groq'`,
      );
      expect(blocked.n).toBe(0);
    });

    it('cuts a reply from an upstream that ignores max_tokens', async () => {
      fake.script({ tokens: Array.from({ length: 500 }, () => ' word') });
      const { text, usage } = await drain(
        llm.stream({ provider: 'groq', messages, config: { maxTokens: 4 } }),
      );
      // 16 characters per token of max_tokens, then the chunk that crossed the line.
      expect(text.length).toBeGreaterThan(60);
      expect(text.length).toBeLessThanOrEqual(4 * 16 + ' word'.length);
      expect(usage).toMatchObject({ provider: 'groq' });
    });

    it('drops NUL characters, which PostgreSQL cannot store', async () => {
      fake.script({ tokens: ['Of\u0000', ' cour\u0000se.'] });
      const { deltas, text } = await drain(llm.stream({ provider: 'groq', messages }));
      expect(text).toBe('Of course.');
      expect(deltas.join('')).not.toContain('\u0000');
    });

    it('removes think blocks split across chunks', async () => {
      fake.script({
        tokens: ['<thi', 'nk>Let me plan', ' this.</th', 'ink>\n\n', 'Of', ' course.'],
      });
      const { deltas, text } = await drain(llm.stream({ provider: 'deepseek', messages }));
      expect(text).toBe('Of course.');
      expect(deltas.join('')).not.toContain('think');
    });

    it('falls back to the next model when the reply is only an unterminated think block', async () => {
      fake.script(
        { tokens: ['<think>', 'pondering', ' forever'] },
        { content: 'Second model here.' },
      );
      const { text, usage } = await drain(llm.stream({ provider: 'groq', messages }));
      expect(text).toBe('Second model here.');
      expect(usage?.model).not.toBe(fake.requests[0].body!.model);
    });

    it('groq generate() retries once when the reply slides into another script', async () => {
      fake.script(
        { content: 'The inn is 满了 tonight, sorry.' },
        { content: 'The inn is full tonight.' },
      );
      const result = await llm.generate({
        provider: 'groq',
        messages,
        config: { model: 'llama-3.3-70b-versatile' },
      });
      expect(result.content).toBe('The inn is full tonight.');
      expect(fake.requests).toHaveLength(2);
    });

    it('retries mixed-language replies for the expected language, not for providers without the quirk', async () => {
      fake.script(
        { content: 'Конечно, and the room is yours, that is fine.' },
        { content: 'Конечно, комната ваша.' },
      );
      const retried = await llm.generate({
        provider: 'cerebras',
        messages,
        config: { language: 'ru' },
      });
      expect(retried.content).toBe('Конечно, комната ваша.');

      fake.script({ content: 'Конечно, and the room is yours, that is fine.' });
      const kept = await llm.generate({ provider: 'openai', messages, config: { language: 'ru' } });
      expect(kept.content).toContain('and the room');
      expect(fake.requests).toHaveLength(3);
    });
  });
});
