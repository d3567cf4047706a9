import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MailService } from '../../../src/common/mail/mail.service.js';
import { SettingsService } from '../../../src/common/settings/settings.service.js';
import { LlmModule } from '../../../src/llm/llm.module.js';
import { LlmService } from '../../../src/llm/llm.service.js';
import { ProviderUnavailableError } from '../../../src/llm/llm.errors.js';
import { startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import {
  controlClock,
  drain,
  messages,
  MINUTE,
  providerEnv,
  providerOf,
} from '../../llm/llm-test-support.js';

const SIX_HOURS_S = 6 * 60 * 60;

/** One API instance: the app and the services a test drives. */
interface Instance {
  t: MediumModule;
  llm: LlmService;
  mail: MailService;
  settings: SettingsService;
  clock: { advance(ms: number): void };
}

async function startInstance(env: Record<string, string>, databaseUrl?: string): Promise<Instance> {
  const t = await createMediumModule({ imports: [LlmModule], env, databaseUrl });
  return {
    t,
    llm: t.app.get(LlmService),
    mail: t.app.get(MailService),
    settings: t.app.get(SettingsService),
    clock: controlClock(t.app),
  };
}

const groqStatus = async (instance: Instance) =>
  (await instance.llm.providerStatus()).find((status) => status.provider === 'groq')!;

describe('LLM provider availability across instances', () => {
  let fake: FakeLlm;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    fake = await startFakeLlm();
    const env = {
      ...providerEnv(fake.baseURL, ['groq', 'cerebras']),
      LLM_PROVIDER_ORDER: 'groq,cerebras',
      ADMIN_EMAILS: 'boss@example.com,ops@example.com',
      OFFLINE_LLM_TOKEN_DELAY_MS: '0',
    };
    a = await startInstance(env);
    // A second API instance on the same database.
    b = await startInstance(env, a.t.databaseUrl);
  });

  afterEach(async () => {
    fake.reset();
    // Lift whatever a test left behind, through the admin path itself.
    await a.settings.set('provider_enabled.groq', true);
    // b would see that within its cache TTL; status() re-reads at once.
    await groqStatus(b);
    a.mail.outbox.length = 0;
    b.mail.outbox.length = 0;
  });

  afterAll(async () => {
    await b?.t.close();
    await a?.t.close();
    await fake?.close();
  });

  it('a 402 blocks the provider everywhere for 6 h with exactly one alert email', async () => {
    fake.script({ fault: 'status', status: 402 }, { fault: 'status', status: 402 });
    // Both instances hit the 402 at once; only the one whose insert creates the block mails.
    const results = await Promise.allSettled([
      drain(a.llm.stream({ provider: 'groq', messages })),
      drain(b.llm.stream({ provider: 'groq', messages })),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    // A billing error stops at the first model: the others would fail alike.
    expect(fake.requests).toHaveLength(2);

    const sent = [...a.mail.outbox, ...b.mail.outbox];
    expect(sent).toHaveLength(1);
    expect(sent[0].to).toEqual(['boss@example.com', 'ops@example.com']);
    expect(sent[0].subject).toContain('groq');
    expect(sent[0].text).toContain('6 hours');
    expect(sent[0].text).toContain('PUT /api/admin/settings/provider_enabled.groq');
    expect(sent[0].text).toContain('{"value": true}');

    for (const instance of [a, b]) {
      await expect(
        drain(instance.llm.stream({ provider: 'groq', messages })),
      ).rejects.toMatchObject({
        reason: 'blocked',
      });
    }
    const status = await groqStatus(a);
    expect(status).toMatchObject({
      blocked: true,
      available: false,
      reason: 'insufficient_balance',
    });
    expect(status.remainingSeconds).toBeGreaterThan(SIX_HOURS_S - 60);
    expect(status.remainingSeconds).toBeLessThanOrEqual(SIX_HOURS_S);
    expect(status.lastError).toContain('402');
    expect(fake.requests).toHaveLength(2);
  });

  it('auto skips a blocked provider; a block seen by one instance reaches the other', async () => {
    fake.script({ fault: 'status', status: 402 });
    await drain(a.llm.stream({ provider: 'groq', messages })).catch(() => undefined);

    // b learns of it from the database once its few-second cache expires: the first look
    // after that still answers from the old copy while the re-read runs in the background.
    b.clock.advance(5_000);
    const deadline = Date.now() + 2000;
    while ((await b.llm.availableProviders(['groq', 'cerebras'])).includes('groq')) {
      if (Date.now() > deadline) throw new Error('b never saw the block');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { usage } = await drain(b.llm.stream({ messages }));
    expect(usage?.provider).toBe('cerebras');
    expect(fake.requests.map(providerOf)).toEqual(['groq', 'cerebras']);
    expect(a.mail.outbox).toHaveLength(1);
  });

  it('lifts by itself after 6 hours', async () => {
    fake.script({ fault: 'status', status: 402 });
    await drain(a.llm.stream({ provider: 'groq', messages })).catch(() => undefined);
    a.clock.advance(6 * 60 * MINUTE + 1000);
    await expect(drain(a.llm.stream({ provider: 'groq', messages }))).resolves.toMatchObject({
      text: 'Hello from the fake model.',
    });
  });

  it('re-enabling the provider lifts an automatic block at once', async () => {
    fake.script({ fault: 'status', status: 402 });
    await drain(a.llm.stream({ provider: 'groq', messages })).catch(() => undefined);
    expect((await groqStatus(a)).blocked).toBe(true);

    await a.settings.set('provider_enabled.groq', true);
    // b would see that within its cache TTL; status() re-reads at once.
    await groqStatus(b);
    const { usage } = await drain(a.llm.stream({ provider: 'groq', messages }));
    expect(usage?.provider).toBe('groq');
    expect(await groqStatus(a)).toMatchObject({ blocked: false, available: true });
    // Lifted in the database too, so a new 402 is a new block with a new alert.
    await groqStatus(b);
    fake.script({ fault: 'status', status: 402 });
    await drain(b.llm.stream({ provider: 'groq', messages })).catch(() => undefined);
    expect(a.mail.outbox.length + b.mail.outbox.length).toBe(2);
  });

  it('an admin-disabled provider is unavailable until enabled again', async () => {
    await a.settings.set('provider_enabled.groq', false);

    const error = await drain(a.llm.stream({ provider: 'groq', messages })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ reason: 'disabled' });
    expect(await a.llm.availableProviders(['groq', 'cerebras'])).toEqual(['cerebras']);
    expect(await groqStatus(a)).toMatchObject({ enabled: false, blocked: false, available: false });
    expect(fake.requests).toHaveLength(0);

    await a.settings.set('provider_enabled.groq', true);
    // b would see that within its cache TTL; status() re-reads at once.
    await groqStatus(b);
    await expect(drain(a.llm.stream({ provider: 'groq', messages }))).resolves.toMatchObject({
      usage: { provider: 'groq' },
    });
  });

  it('never falls back to the offline provider while real ones are configured', async () => {
    await a.settings.set('provider_enabled.groq', false);
    await a.settings.set('provider_enabled.cerebras', false);
    try {
      await expect(drain(a.llm.stream({ messages }))).rejects.toMatchObject({
        reason: 'none_available',
      });
      // ...unless it is asked for by name.
      await expect(a.llm.generate({ provider: 'offline', messages })).resolves.toMatchObject({
        model: 'offline',
      });
    } finally {
      await a.settings.set('provider_enabled.cerebras', true);
    }
  });

  it('background jobs get the available providers in AUTONOMOUS_PROVIDER_ORDER', async () => {
    // Default order: openai,gemini,deepseek,together,groq,cerebras,openrouter — only groq and
    // cerebras are configured here.
    expect(await a.llm.availableProviders()).toEqual(['groq', 'cerebras']);
    fake.script(...Array.from({ length: 3 }, () => ({ fault: 'status', status: 500 }) as const));
    const result = await a.llm.generateWithFallback(messages, { temperature: 0.9 });
    expect(result).toMatchObject({ provider: 'cerebras', content: 'Hello from the fake model.' });
    expect(fake.requests.at(-1)?.body).toMatchObject({ temperature: 0.9 });
  });
});
