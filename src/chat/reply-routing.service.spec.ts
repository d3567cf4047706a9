import { describe, expect, it } from '@jest/globals';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { ModelAllowlistService } from '../llm/models/model-allowlist.service.js';
import { SETTINGS, type SettingKey } from '../common/settings/settings.registry.js';
import type { SettingsService } from '../common/settings/settings.service.js';
import type { AppConfig } from '../config/app-config.js';
import { ReplyRouting } from './reply-routing.service.js';

function service(costMode: string): ReplyRouting {
  const settings = {
    get: async (key: SettingKey) =>
      key === 'cost_mode' ? costMode : key === 'paid_mode' ? false : SETTINGS[key].default,
  } as unknown as SettingsService;
  const config = {
    llm: { providerOrder: ['groq', 'openai', 'cerebras', 'anthropic'] },
  } as unknown as AppConfig;
  return new ReplyRouting(settings, config, new ModelAllowlistService(settings));
}

describe('ReplyRouting', () => {
  const character = (rating: 'sfw' | 'nsfw', maxTokens = 2048) =>
    ({ contentRating: rating, maxTokens }) as CharacterEntity;

  it('samples warmer for NSFW characters unless the user says otherwise', () => {
    const context = service('balanced');
    expect(context.sampling(character('nsfw'), {}, 'free', 'en')).toMatchObject({
      temperature: 0.95,
      frequencyPenalty: 0.5,
      presencePenalty: 0.5,
      maxTokens: 2048,
    });
    expect(context.sampling(character('sfw'), {}, 'free', 'en')).toMatchObject({
      temperature: 0.85,
      frequencyPenalty: 0.3,
      presencePenalty: 0.3,
    });
    expect(
      context.sampling(character('sfw', 8000), { temperature: 0, max_tokens: 9000 }, 'anon', 'en'),
    ).toMatchObject({ temperature: 0, maxTokens: 1024 });
  });

  it('routes auto by cost mode: paid first where allowed, free only otherwise', async () => {
    const paidFirst = { provider: 'auto', providers: ['openai', 'anthropic', 'groq', 'cerebras'] };
    const freeOnly = { provider: 'auto', providers: ['groq', 'cerebras'] };
    expect(await service('quality').route('auto', 'anon')).toEqual(paidFirst);
    expect(await service('balanced').route(undefined, 'free')).toEqual(paidFirst);
    expect(await service('balanced').route(undefined, 'anon')).toEqual(freeOnly);
    expect(await service('economy').route('auto', 'premium')).toEqual(freeOnly);
  });

  it('checks a named provider against the cost mode', async () => {
    expect(await service('economy').route('groq:llama-3.3-70b', 'free')).toEqual({
      provider: 'groq',
      model: 'llama-3.3-70b',
    });
    expect(await service('quality').route('openrouter:qwen/qwen3:free', 'anon')).toEqual({
      provider: 'openrouter',
      model: 'qwen/qwen3:free',
    });
    await expect(service('economy').route('openai', 'premium')).rejects.toMatchObject({
      status: 403,
    });
    await expect(service('balanced').route('acme', 'free')).rejects.toMatchObject({ status: 400 });
  });

  it("checks a named model against the tier's allowlist (defaults), admins excepted", async () => {
    const quality = service('quality');
    const refused = async (model: string, tier: 'anon' | 'free') => {
      const error = await quality.route(model, tier).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400 });
      return (error as Error).message;
    };
    expect(await refused('openrouter:anthropic/claude-opus-4', 'anon')).toBe(
      'Model openrouter:anthropic/claude-opus-4 is not available to guests; ' +
        'allowed: auto, groq, cerebras, openrouter:*:free',
    );
    expect(await refused('openai:o1-pro', 'anon')).toMatch(/not available to guests/);
    expect(await refused('openai:o1-pro', 'free')).toMatch(
      /^Model openai:o1-pro is not available on the free tier; allowed: auto, groq, .*openai:gpt-4\.1-mini/,
    );
    // A bare provider lets it choose any of its models: only a bare or * entry allows that.
    expect(await refused('openai', 'free')).toMatch(/not available on the free tier/);
    expect(await refused('openrouter', 'anon')).toMatch(/not available to guests/);
    // `:free` must end the id: a suffix elsewhere is not a free model.
    expect(await refused('openrouter:x:free/anthropic/claude-opus-4', 'anon')).toMatch(/guests/);
    expect(await quality.route('openai:gpt-4.1-mini', 'free')).toEqual({
      provider: 'openai',
      model: 'gpt-4.1-mini',
    });
    expect(await quality.route('openai:o1-pro', 'premium')).toMatchObject({ model: 'o1-pro' });
    expect(await quality.route('openrouter:anthropic/claude-opus-4', 'admin')).toMatchObject({
      provider: 'openrouter',
    });
  });
});
