import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import {
  dailyGrowth,
  initialBaseCounts,
  languageAffinity,
  type AudienceTraits,
} from './language-preferences.js';

/** mulberry32: a tiny seeded PRNG, so the draws are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const plain: AudienceTraits = { tags: ['cats'], structuredTags: [], contentRating: 'sfw' };
const romance: AudienceTraits = { tags: [], structuredTags: ['romance'], contentRating: 'sfw' };

describe('languageAffinity', () => {
  it('is 1.0 everywhere for a character no preference mentions', () => {
    for (const lang of LANGUAGES) expect(languageAffinity(plain, lang)).toBe(1);
  });

  it('multiplies the content rating and tag weights', () => {
    const character: AudienceTraits = {
      tags: ['Drama'],
      structuredTags: ['romance'],
      contentRating: 'nsfw',
    };
    expect(languageAffinity(character, 'es')).toBeCloseTo(0.9 * 1.4 * 1.3);
    expect(languageAffinity(character, 'de')).toBeCloseTo(0.8);
  });

  it('counts a tag once when it is both a free tag and a structured tag', () => {
    const both: AudienceTraits = {
      tags: ['Fantasy'],
      structuredTags: ['fantasy'],
      contentRating: 'sfw',
    };
    expect(languageAffinity(both, 'ru')).toBeCloseTo(1.2);
  });
});

describe('initialBaseCounts', () => {
  it('gives the midpoint of the range, scaled by affinity, when every draw is 0.5', () => {
    const counts = initialBaseCounts(romance, () => 0.5);
    // chats: (20 + 200) / 2 = 110 × affinity; likes: 20 % of that.
    expect(counts.chat).toEqual({ ru: 143, en: 110, es: 154, fr: 143, de: 110, pt: 143, it: 143 });
    expect(counts.like).toEqual({ ru: 29, en: 22, es: 31, fr: 29, de: 22, pt: 29, it: 29 });
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(initialBaseCounts(romance, seeded(42))).toEqual(initialBaseCounts(romance, seeded(42)));
    expect(initialBaseCounts(romance, seeded(42))).not.toEqual(
      initialBaseCounts(romance, seeded(7)),
    );
  });

  it('stays within plausible bounds', () => {
    const random = seeded(1);
    for (let i = 0; i < 200; i++) {
      const { chat, like } = initialBaseCounts(plain, random);
      for (const lang of LANGUAGES) {
        expect(chat[lang]).toBeGreaterThanOrEqual(20);
        expect(chat[lang]).toBeLessThanOrEqual(200);
        expect(like[lang]).toBeLessThanOrEqual(Math.round(chat[lang] * 0.3));
        expect(Number.isInteger(like[lang])).toBe(true);
      }
    }
  });

  it('favours the languages whose audience likes the character', () => {
    const random = seeded(3);
    let spanish = 0;
    let german = 0;
    for (let i = 0; i < 300; i++) {
      const { chat } = initialBaseCounts(romance, random);
      spanish += chat.es;
      german += chat.de;
    }
    expect(spanish / german).toBeGreaterThan(1.25);
  });
});

describe('dailyGrowth', () => {
  it('is a small bump, zero when the draws are zero', () => {
    expect(dailyGrowth(romance, () => 0)).toEqual({
      chat: { ru: 0, en: 0, es: 0, fr: 0, de: 0, pt: 0, it: 0 },
      like: { ru: 0, en: 0, es: 0, fr: 0, de: 0, pt: 0, it: 0 },
    });
    const random = seeded(9);
    for (let i = 0; i < 100; i++) {
      const { chat, like } = dailyGrowth(romance, random);
      for (const lang of LANGUAGES) {
        expect(chat[lang]).toBeLessThanOrEqual(Math.round(8 * 1.4));
        expect(like[lang]).toBeLessThanOrEqual(chat[lang]);
      }
    }
  });

  it('is deterministic for a seed', () => {
    expect(dailyGrowth(plain, seeded(5))).toEqual(dailyGrowth(plain, seeded(5)));
  });
});
