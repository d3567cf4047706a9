import { describe, expect, it } from '@jest/globals';
import { capMaxTokens, characterLimit, TIER_LIMITS, tierAtLeast, tierForRole } from './tiers.js';

describe('tiers', () => {
  it('holds the spec limits', () => {
    expect(TIER_LIMITS).toMatchObject({
      anon: { dailyMessages: 20, maxTokens: 1024, contextMessages: 10 },
      free: { dailyMessages: 200, maxTokens: 2048, contextMessages: 30 },
      premium: { dailyMessages: null, maxTokens: 4096, contextMessages: 50 },
      admin: { dailyMessages: null, maxTokens: 4096, contextMessages: 50 },
    });
  });

  it('bounds pinned memory notes more the lower the tier', () => {
    expect(TIER_LIMITS.anon.pinnedNotes).toBeLessThan(TIER_LIMITS.free.pinnedNotes);
    expect(TIER_LIMITS.free.pinnedNotes).toBeLessThan(TIER_LIMITS.premium.pinnedNotes);
    expect(TIER_LIMITS.free.pinnedNoteChars).toBeLessThan(TIER_LIMITS.premium.pinnedNoteChars);
  });

  it.each([
    [500, 'anon', 500],
    [5000, 'anon', 1024],
    [5000, 'free', 2048],
    [5000, 'premium', 4096],
    [3000, 'admin', 3000],
    [undefined, 'free', 2048],
    [null, 'anon', 1024],
    [Number.NaN, 'premium', 4096],
    [0, 'free', 1],
    [-10, 'free', 1],
    [100.7, 'free', 100],
  ] as const)('caps %p tokens on %s at %p', (requested, tier, expected) => {
    expect(capMaxTokens(requested, tier)).toBe(expected);
  });

  it('orders tiers anon < free < premium < admin', () => {
    expect(tierAtLeast('anon', 'anon')).toBe(true);
    expect(tierAtLeast('anon', 'free')).toBe(false);
    expect(tierAtLeast('free', 'anon')).toBe(true);
    expect(tierAtLeast('premium', 'free')).toBe(true);
    expect(tierAtLeast('premium', 'premium')).toBe(true);
    expect(tierAtLeast('premium', 'admin')).toBe(false);
    expect(tierAtLeast('free', 'premium')).toBe(false);
    expect(tierAtLeast('admin', 'premium')).toBe(true);
  });

  it('keeps the tier in step with the role', () => {
    expect(tierForRole('admin', 'free')).toBe('admin');
    expect(tierForRole('admin', 'premium')).toBe('admin');
    expect(tierForRole('user', 'admin')).toBe('free');
    expect(tierForRole('user', 'premium')).toBe('premium');
    expect(tierForRole('user', 'free')).toBe('free');
  });
});

describe('characterLimit', () => {
  const user = (tier: 'free' | 'premium' | 'admin', email = 'someone@example.test') => ({
    id: 'u',
    email,
    role: tier === 'admin' ? ('admin' as const) : ('user' as const),
    tier,
  });

  it('is the tier’s count, none for admins and the platform’s own accounts', () => {
    expect(characterLimit(user('free'))).toBe(100);
    expect(characterLimit(user('premium'))).toBe(1000);
    expect(characterLimit(user('admin'))).toBeNull();
    expect(characterLimit(user('free', 'platform@system.local'))).toBeNull();
    expect(characterLimit(user('free', 'Platform@System.Local'))).toBeNull();
  });
});
