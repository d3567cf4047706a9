import { describe, expect, it } from '@jest/globals';
import {
  categoriesFor,
  EXAMPLE_THEMES,
  FANTASY_THEMES,
  GENERATOR_CATEGORIES,
  pickConcept,
} from './generator-categories.js';

/** Deterministic stand-in for Math.random. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('pickConcept', () => {
  it('follows the spec: about 90% adult, half erotic fantasy, 70% of that female', () => {
    const random = seeded(7);
    const picks = Array.from({ length: 20_000 }, () => pickConcept(random));
    const share = (test: (pick: (typeof picks)[number]) => boolean, of = picks) =>
      of.filter(test).length / of.length;
    expect(share((pick) => pick.category.contentRating === 'nsfw')).toBeCloseTo(0.9, 1);
    const erotic = picks.filter((pick) => pick.category.id === 'erotic_fantasy');
    expect(erotic.length / picks.length).toBeCloseTo(0.5, 1);
    expect(share((pick) => pick.gender === 'female', erotic)).toBeCloseTo(0.7, 1);
    expect(erotic.every((pick) => FANTASY_THEMES.includes(pick.fantasyTheme!))).toBe(true);
    expect(
      picks.filter((pick) => pick.category.id !== 'erotic_fantasy').some((p) => p.fantasyTheme),
    ).toBe(false);
  });

  it('draws only SFW categories on a fiction site, and all of them otherwise', () => {
    const random = seeded(11);
    const fiction = Array.from({ length: 2_000 }, () =>
      pickConcept(random, categoriesFor('fiction')),
    );
    expect(fiction.every((pick) => pick.category.contentRating === 'sfw')).toBe(true);
    expect(new Set(fiction.map((pick) => pick.category.id))).toEqual(
      new Set(['adventure', 'slice_of_life']),
    );
    expect(categoriesFor('default')).toBe(GENERATOR_CATEGORIES);
  });

  it('gives three different example themes', () => {
    const pick = pickConcept(seeded(3));
    expect(new Set(pick.examples).size).toBe(3);
    for (const example of pick.examples) expect(EXAMPLE_THEMES).toContain(example);
  });

  it('has six fantasy themes and sixteen examples, and weights in one table', () => {
    expect(FANTASY_THEMES).toHaveLength(6);
    expect(EXAMPLE_THEMES).toHaveLength(16);
    expect(GENERATOR_CATEGORIES.reduce((sum, category) => sum + category.weight, 0)).toBe(100);
  });
});
