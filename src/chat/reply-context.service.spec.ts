import { describe, expect, it } from '@jest/globals';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { SettingsService } from '../common/settings/settings.service.js';
import type { AppConfig } from '../config/app-config.js';
import type { PromptBuilderService } from './prompt/prompt-builder.service.js';
import { fitHistory, ReplyContextService } from './reply-context.service.js';
import { estimateTokens } from './storytelling/lorebook.js';

const message = (chars: number, label = '') => ({ content: label.padEnd(chars, '.') });

function service(costMode: string): ReplyContextService {
  const settings = {
    get: async (key: string) => (key === 'cost_mode' ? costMode : false),
  } as unknown as SettingsService;
  const config = {
    llm: { providerOrder: ['groq', 'openai', 'cerebras', 'anthropic'] },
  } as unknown as AppConfig;
  return new ReplyContextService({} as PromptBuilderService, settings, config);
}

describe('fitHistory', () => {
  it('keeps the newest messages that fit, oldest first', () => {
    const history = [message(400, 'a'), message(400, 'b'), message(400, 'c')];
    expect(fitHistory(history, 200).map((m) => m.content[0])).toEqual(['b', 'c']);
    expect(fitHistory(history, 1000)).toHaveLength(3);
    expect(fitHistory(history, 99)).toEqual([]);
  });

  it('stops at the first message that does not fit, so no gap opens in the history', () => {
    const history = [message(4, 'a'), message(4000, 'b'), message(4, 'c')];
    expect(fitHistory(history, 10).map((m) => m.content[0])).toEqual(['c']);
  });

  it('estimates about four characters a token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
  });
});

describe('ReplyContextService', () => {
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
    expect(await service('quality').route('auto', false)).toEqual(paidFirst);
    expect(await service('balanced').route(undefined, true)).toEqual(paidFirst);
    expect(await service('balanced').route(undefined, false)).toEqual(freeOnly);
    expect(await service('economy').route('auto', true)).toEqual(freeOnly);
  });

  it('checks a named provider against the cost mode', async () => {
    expect(await service('economy').route('groq:llama-3.3-70b', true)).toEqual({
      provider: 'groq',
      model: 'llama-3.3-70b',
    });
    expect(await service('quality').route('openrouter:qwen/qwen3:free', false)).toEqual({
      provider: 'openrouter',
      model: 'qwen/qwen3:free',
    });
    await expect(service('economy').route('openai', true)).rejects.toMatchObject({ status: 403 });
    await expect(service('balanced').route('acme', true)).rejects.toMatchObject({ status: 400 });
  });
});
