import { describe, expect, it } from '@jest/globals';
import { SETTINGS } from '../common/settings/settings.registry.js';
import { decide, DEFAULT_POLICY } from './moderation-policy.js';
import { MODERATION_CATEGORIES } from './moderation.types.js';

const field = (scores: Record<string, number>, source: 'rules' | 'provider' = 'rules') => ({
  field: 'description',
  results: [{ source, result: { scores } }],
});

describe('moderation policy', () => {
  it('has a refuse and a review setting per category, with the defaults DEFAULT_POLICY uses', () => {
    for (const category of MODERATION_CATEGORIES) {
      expect(SETTINGS[`moderation_refuse.${category}`].default / 100).toBe(
        DEFAULT_POLICY.refuse[category],
      );
      expect(SETTINGS[`moderation_review.${category}`].default / 100).toBe(
        DEFAULT_POLICY.review[category],
      );
    }
    // minors_sexual can be tuned, never switched off.
    expect(SETTINGS['moderation_refuse.minors_sexual'].min).toBe(1);
  });

  it('refuses at the refuse threshold, reviews at the review threshold, allows below', () => {
    expect(decide([field({ minors_sexual: 0.7 })], DEFAULT_POLICY, { nsfw: false }).verdict).toBe(
      'refuse',
    );
    expect(decide([field({ minors_sexual: 0.5 })], DEFAULT_POLICY, { nsfw: false }).verdict).toBe(
      'review',
    );
    expect(decide([field({ minors_sexual: 0.2 })], DEFAULT_POLICY, { nsfw: false })).toEqual({
      verdict: 'allow',
      hits: [],
    });
    // Categories without a refuse threshold only ever go to review.
    expect(decide([field({ hate: 1 })], DEFAULT_POLICY, { nsfw: false }).verdict).toBe('review');
  });

  it('ignores sexual content on NSFW text, never minors_sexual', () => {
    expect(decide([field({ sexual: 1 })], DEFAULT_POLICY, { nsfw: true }).verdict).toBe('allow');
    expect(decide([field({ sexual: 1 })], DEFAULT_POLICY, { nsfw: false }).verdict).toBe('review');
    expect(decide([field({ minors_sexual: 1 })], DEFAULT_POLICY, { nsfw: true }).verdict).toBe(
      'refuse',
    );
  });

  it('names every source and field that reached a threshold, strongest first', () => {
    const { hits } = decide(
      [
        field({ hate: 0.65 }),
        {
          field: 'greeting',
          results: [{ source: 'provider', result: { scores: { hate: 0.95 } } }],
        },
      ],
      DEFAULT_POLICY,
      { nsfw: false },
    );
    expect(hits).toEqual([
      { field: 'greeting', category: 'hate', score: 0.95, source: 'provider' },
      { field: 'description', category: 'hate', score: 0.65, source: 'rules' },
    ]);
  });

  it('relaxed (a new account), turns refusals into review except for minors_sexual', () => {
    const policy = { ...DEFAULT_POLICY, refuse: { ...DEFAULT_POLICY.refuse, hate: 0.8 } };
    expect(decide([field({ hate: 0.9 })], policy, { nsfw: false }).verdict).toBe('refuse');
    expect(decide([field({ hate: 0.9 })], policy, { nsfw: false, relax: true }).verdict).toBe(
      'review',
    );
    expect(
      decide([field({ minors_sexual: 0.9 })], policy, { nsfw: false, relax: true }).verdict,
    ).toBe('refuse');
  });
});
