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
  ] as const)('%s = %p → %p', (key, value, problem) => {
    expect(settingProblem(key, value)).toBe(problem);
  });

  it('knows its keys and nothing else', () => {
    expect(isSettingKey('max_personas')).toBe(true);
    expect(isSettingKey('__proto__')).toBe(false);
    expect(isSettingKey('provider_enabled.nope')).toBe(false);
  });
});
