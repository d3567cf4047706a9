import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { LlmRequestFailedError } from '../../../src/llm/llm.errors.js';
import { LlmModule } from '../../../src/llm/llm.module.js';
import { LlmService } from '../../../src/llm/llm.service.js';
import { startFakeLlm, type FakeLlm, type FakeReply } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import {
  controlClock,
  drain,
  messages,
  MINUTE,
  providerEnv,
  providerOf,
} from '../../llm/llm-test-support.js';

// groq with model unset: its default, then the best of the other vendors (see the registry).
const GROQ_FIRST = 'llama-3.3-70b-versatile';
const GROQ_SECOND = 'moonshotai/kimi-k2-instruct';
const FIRST_TOKEN_TIMEOUT_MS = 300;
const IDLE_TIMEOUT_MS = 300;

describe('LLM fallback, cooldown and cancellation', () => {
  let fake: FakeLlm;
  let t: MediumModule;
  let llm: LlmService;
  let clock: { advance(ms: number): void };

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createMediumModule({
      imports: [LlmModule],
      env: {
        ...providerEnv(fake.baseURL, ['groq', 'cerebras']),
        LLM_PROVIDER_ORDER: 'groq,cerebras',
        LLM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS),
        LLM_STREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
      },
    });
    llm = t.app.get(LlmService);
    clock = controlClock(t.app);
  });

  afterEach(() => {
    fake.reset();
    // Every test starts with no model on cooldown.
    clock.advance(16 * MINUTE);
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const models = () => fake.requests.map((request) => request.body?.model);

  it.each<[string, FakeReply]>([
    ['HTTP 429', { fault: 'status', status: 429 }],
    ['HTTP 500', { fault: 'status', status: 500 }],
    ['a stall past the first-token timeout', { fault: 'stall' }],
    ['a dropped connection before any token', { fault: 'drop', afterTokens: 0 }],
  ])('moves to the next model on %s and reports the model that answered', async (_, fault) => {
    fake.script(fault);
    const started = Date.now();
    const { text, usage } = await drain(llm.stream({ provider: 'groq', messages }));

    expect(text).toBe('Hello from the fake model.');
    expect(models()).toEqual([GROQ_FIRST, GROQ_SECOND]);
    expect(usage).toMatchObject({ provider: 'groq', model: GROQ_SECOND });
    if ('fault' in fault && fault.fault === 'stall') {
      expect(Date.now() - started).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_MS - 10);
      await fake.waitForAborted(1);
    }
  });

  it('never stitches models: a drop after the first token fails the reply', async () => {
    fake.script({ fault: 'drop', afterTokens: 2 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const event of llm.stream({ provider: 'groq', messages })) {
        if (event.type === 'delta') deltas.push(event.text);
      }
    })().catch((e: unknown) => e);

    expect(deltas).toEqual(['Hello', ' from']);
    expect(error).toBeInstanceOf(LlmRequestFailedError);
    expect((error as LlmRequestFailedError).afterFirstToken).toBe(true);
    expect(models()).toEqual([GROQ_FIRST]);
  });

  it('fails a stream that goes silent after its first token, and cancels it', async () => {
    fake.script({ tokens: ['Hello', ' there'], tokenIntervalMs: 5000 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const event of llm.stream({ provider: 'groq', messages })) {
        if (event.type === 'delta') deltas.push(event.text);
      }
    })().catch((e: unknown) => e);

    expect(deltas).toEqual(['Hello']);
    expect(error).toBeInstanceOf(LlmRequestFailedError);
    expect((error as LlmRequestFailedError).failures).toEqual([
      expect.objectContaining({ model: GROQ_FIRST, kind: 'timeout' }),
    ]);
    await fake.waitForAborted(1);
  });

  it('does not count a slow caller as silence of the model', async () => {
    let received = 0;
    for await (const event of llm.stream({ provider: 'groq', messages })) {
      if (event.type !== 'delta') continue;
      // Each token is held longer than both timeouts before the next is asked for.
      if (++received <= 2)
        await new Promise((resolve) => setTimeout(resolve, 2.5 * IDLE_TIMEOUT_MS));
    }
    expect(received).toBe(6);
    expect(fake.requests).toHaveLength(1);
  });

  it('leaves a failed model out of auto selection for 15 minutes', async () => {
    fake.script({ fault: 'status', status: 500 });
    await drain(llm.stream({ provider: 'groq', messages }));
    expect(models()).toEqual([GROQ_FIRST, GROQ_SECOND]);

    clock.advance(14 * MINUTE);
    await drain(llm.stream({ provider: 'groq', messages }));
    expect(models().at(-1)).toBe(GROQ_SECOND);
    const status = (await llm.providerStatus()).find((entry) => entry.provider === 'groq');
    expect(status).toMatchObject({ available: true, modelsCoolingDown: [GROQ_FIRST] });
    expect(status?.lastError).toContain('500');

    clock.advance(2 * MINUTE);
    await drain(llm.stream({ provider: 'groq', messages }));
    expect(models().at(-1)).toBe(GROQ_FIRST);
  });

  it('auto cools a failing model down too: the next auto request starts past it', async () => {
    fake.script({ fault: 'stall' });
    await drain(llm.stream({ provider: 'auto', messages }));
    const [hung] = models();
    const status = (await llm.providerStatus()).find((entry) => entry.provider === 'groq');
    expect(status?.modelsCoolingDown).toEqual([hung]);

    fake.reset();
    await drain(llm.stream({ provider: 'auto', messages }));
    expect(models()).not.toContain(hung);
    expect(fake.requests).toHaveLength(1);

    clock.advance(16 * MINUTE);
    fake.reset();
    await drain(llm.stream({ provider: 'auto', messages }));
    expect(models()).toEqual([hung]);
  });

  it('a model the caller named cools down for nobody, under auto routing too', async () => {
    fake.script({ fault: 'status', status: 500 });
    await drain(llm.stream({ provider: 'groq', messages, config: { model: GROQ_SECOND } })).catch(
      () => undefined,
    );
    const status = (await llm.providerStatus()).find((entry) => entry.provider === 'groq');
    expect(status?.modelsCoolingDown).toEqual([]);
  });

  it('still tries an explicitly requested model that is cooling down', async () => {
    fake.script({ fault: 'status', status: 429 });
    await drain(llm.stream({ provider: 'groq', messages }));
    const { usage } = await drain(
      llm.stream({ provider: 'groq', messages, config: { model: GROQ_FIRST } }),
    );
    expect(usage?.model).toBe(GROQ_FIRST);
  });

  it('auto falls back across providers in the configured order', async () => {
    fake.script(...Array.from({ length: 3 }, () => ({ fault: 'status', status: 503 }) as const));
    const { text, usage } = await drain(llm.stream({ provider: 'auto', messages }));

    expect(text).toBe('Hello from the fake model.');
    expect(fake.requests.map(providerOf)).toEqual(['groq', 'groq', 'groq', 'cerebras']);
    expect(usage).toMatchObject({ provider: 'cerebras' });
  });

  it('fails with every attempt listed when nothing answers', async () => {
    fake.onRequest(() => ({ fault: 'status', status: 500 }));
    const error = (await llm
      .generate({ provider: 'auto', messages })
      .catch((e: unknown) => e)) as LlmRequestFailedError;

    expect(error).toBeInstanceOf(LlmRequestFailedError);
    expect(error.getStatus()).toBe(503);
    expect(error.failures).toHaveLength(6);
    expect(error.failures.every((failure) => failure.kind === 'server')).toBe(true);
  });

  it('cancels the upstream request when the caller aborts', async () => {
    fake.script({ tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), tokenIntervalMs: 20 });
    const controller = new AbortController();
    let received = 0;
    const error = await (async () => {
      for await (const event of llm.stream({
        provider: 'groq',
        messages,
        signal: controller.signal,
      })) {
        if (event.type === 'delta' && ++received === 3) controller.abort();
      }
    })().catch((e: unknown) => e);

    expect(received).toBe(3);
    expect((error as Error).name).toBe('AbortError');
    await fake.waitForAborted(1);
    // An abort is the client's doing, not the model's: no cooldown, no second attempt.
    expect(fake.requests).toHaveLength(1);
    const status = (await llm.providerStatus()).find((entry) => entry.provider === 'groq');
    expect(status?.modelsCoolingDown).toEqual([]);
  });

  it('cancels the upstream request when the caller stops reading', async () => {
    fake.script({ tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), tokenIntervalMs: 20 });
    for await (const event of llm.stream({ provider: 'groq', messages })) {
      if (event.type === 'delta') break;
    }
    await fake.waitForAborted(1);
  });
});
