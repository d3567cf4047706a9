import { describe, expect, it } from '@jest/globals';
import { orderSections, pageVariant, VARIANT_COUNT } from './variants.js';

const slugs = Array.from({ length: 300 }, (_, i) => `character-${i}`);

describe('pageVariant', () => {
  it('is a function of the slug alone', () => {
    expect(pageVariant('mira-keeper')).toEqual(pageVariant('mira-keeper'));
  });

  it('spreads slugs over all six wordings', () => {
    const counts = new Map<number, number>();
    for (const slug of slugs) {
      const { wording } = pageVariant(slug);
      counts.set(wording, (counts.get(wording) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // 300 slugs, 6 buckets: none is starved or dominant.
    for (const count of counts.values()) expect(count).toBeGreaterThan(20);
    expect(VARIANT_COUNT).toBe(6);
  });
});

describe('orderSections', () => {
  const sections = ['greeting', 'personality', 'scenario', 'appearance', 'highlights'];

  it('keeps every section exactly once', () => {
    for (const slug of slugs.slice(0, 50)) {
      expect([...orderSections(sections, pageVariant(slug))].sort()).toEqual([...sections].sort());
    }
  });

  it('gives different slugs different orders (rotations, forwards and backwards)', () => {
    const orders = new Set(slugs.map((slug) => orderSections(sections, pageVariant(slug)).join()));
    expect(orders.size).toBe(10);
  });

  it('handles no sections and one section', () => {
    expect(orderSections([], pageVariant('x'))).toEqual([]);
    expect(orderSections(['only'], pageVariant('x'))).toEqual(['only']);
  });
});
