import { describe, expect, it } from '@jest/globals';
import { isSettingKey, SETTINGS, settingProblem } from './settings.registry.js';

describe('settings registry', () => {
  it('declares a toggle for each of the nine providers', () => {
    const toggles = Object.keys(SETTINGS).filter((key) => key.startsWith('provider_enabled.'));
    expect(toggles).toHaveLength(9);
  });

  it.each([
    ['notify_registration', true, null],
    ['notify_registration', 'yes', 'notify_registration must be a boolean'],
    ['cost_mode', 'economy', null],
    ['cost_mode', 'cheap', 'cost_mode must be one of: quality, balanced, economy'],
    ['anon_message_limit', 0, null],
    ['anon_message_limit', -1, 'anon_message_limit must be an integer from 0 to 1000000'],
    ['daily_message_limit', 1.5, 'daily_message_limit must be an integer from 1 to 1000000'],
    ['daily_message_limit', 1e300, 'daily_message_limit must be an integer from 1 to 1000000'],
    ['allowed_models.free', [], null],
    ['allowed_models.free', ['*', 'groq', 'openrouter:*:free', 'together:a/b-1.5@x'], null],
    [
      'allowed_models.guest',
      ['acme'],
      "allowed_models.guest: 'acme' is not a provider (openai, anthropic, gemini, deepseek, qwen, together, groq, cerebras, openrouter)",
    ],
    [
      'allowed_models.guest',
      ['groq:'],
      "allowed_models.guest: 'groq:' is not *, a provider or provider:model",
    ],
    [
      'allowed_models.guest',
      ['Groq'],
      "allowed_models.guest: 'Groq' is not *, a provider or provider:model",
    ],
    [
      'allowed_models.guest',
      ['groq llama'],
      "allowed_models.guest: 'groq llama' is not *, a provider or provider:model",
    ],
    [
      'allowed_models.guest',
      'groq',
      'allowed_models.guest must be a list of at most 100 strings of 1 to 200 characters',
    ],
    [
      'allowed_models.guest',
      [''],
      'allowed_models.guest must be a list of at most 100 strings of 1 to 200 characters',
    ],
    [
      'allowed_models.guest',
      [1],
      'allowed_models.guest must be a list of at most 100 strings of 1 to 200 characters',
    ],
    [
      'allowed_models.guest',
      [`groq:${'m'.repeat(200)}`],
      'allowed_models.guest must be a list of at most 100 strings of 1 to 200 characters',
    ],
    [
      'allowed_models.guest',
      Array(101).fill('groq'),
      'allowed_models.guest must be a list of at most 100 strings of 1 to 200 characters',
    ],
  ] as const)('%s = %p → %p', (key, value, problem) => {
    expect(settingProblem(key, value)).toBe(problem);
  });

  it('knows its keys and nothing else', () => {
    expect(isSettingKey('max_personas')).toBe(true);
    expect(isSettingKey('__proto__')).toBe(false);
    expect(isSettingKey('provider_enabled.nope')).toBe(false);
  });
});
