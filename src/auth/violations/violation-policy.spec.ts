import { describe, expect, it } from '@jest/globals';
import { settingProblem } from '../../common/settings/settings.registry.js';
import { banDurationMs, subjectKeys } from './violation-policy.js';

const MINUTE = 60_000;
const LADDER = ['15m', '1h', '24h', '7d'];

describe('violation policy', () => {
  it('walks the ban ladder, staying on its last step', () => {
    expect([1, 2, 3, 4, 5, 9].map((strike) => banDurationMs(LADDER, strike) / MINUTE)).toEqual([
      15,
      60,
      24 * 60,
      7 * 24 * 60,
      7 * 24 * 60,
      7 * 24 * 60,
    ]);
  });

  it('counts a violation under the user and under the hashed /56 of its address', () => {
    const keys = subjectKeys({ userId: 'u1', address: '2001:db8:abcd:1200::1' });
    expect(keys[0]).toBe('user:u1');
    expect(keys[1]).toMatch(/^address:[0-9a-f]{64}$/);
    expect(subjectKeys({ address: '2001:db8:abcd:12ff::9' })).toEqual([keys[1]]);
    expect(subjectKeys({ address: '::ffff:10.0.0.1' })).toEqual(
      subjectKeys({ address: '10.0.0.1' }),
    );
    expect(subjectKeys({})).toEqual([]);
  });

  it('takes a ladder of durations only', () => {
    expect(settingProblem('ban_ladder', ['30s', '15m', '2h', '30d'])).toBeNull();
    expect(settingProblem('ban_ladder', ['15 min'])).toBe(
      "ban_ladder: '15 min' is not a duration such as 15m, 1h, 24h, 7d",
    );
    expect(settingProblem('ban_ladder', ['0m'])).not.toBeNull();
    expect(settingProblem('ban_ladder', [])).toBe(
      'ban_ladder must be a list of 1 to 10 strings of 1 to 6 characters',
    );
  });
});
