import { describe, expect, it } from '@jest/globals';
import { skeleton, tokenize } from './normalize.js';

const forms = (text: string) => tokenize(text).map((token) => token.forms);

describe('normalize', () => {
  it('folds case, diacritics and compatibility forms', () => {
    expect(skeleton('SEX Sëx Ｓｅｘ 𝐬𝐞𝐱 ⓢⓔⓧ')).toBe('sex sex sex sex sex');
    expect(skeleton('Éducation sexuelle')).toBe('education sexuelle');
    expect(skeleton('Straße')).toBe('strasse');
  });

  it('folds Cyrillic and Latin look-alikes onto one spelling, whichever script a word mixes', () => {
    // "sеx" with a Cyrillic е, "секс" with Latin c and e, "секс" in Cyrillic: one skeleton each.
    expect(skeleton('sеx')).toBe('sex');
    expect(skeleton('ceкc')).toBe(skeleton('секс'));
    expect(skeleton('ребёнок')).toBe(skeleton('ребенок'));
    expect(skeleton('РЕБЁНОК')).toBe(skeleton('ребенок'));
  });

  it('reads leetspeak as extra forms of tokens that mix letters with digits or $@€', () => {
    expect(forms('s3x p0rn $ex')).toEqual([
      ['s3x', 'sex'],
      ['p0rn', 'porn'],
      ['$ex', 'sex'],
    ]);
    // A Russian word whose з, ч, б folded onto 3, 4, 6 is not leetspeak: one form.
    expect(forms('заниматься')).toEqual([[skeleton('заниматься')]]);
  });

  it('keeps digits as numbers, with their value', () => {
    const [age, word] = tokenize('15 years');
    expect(age).toMatchObject({ text: '15', number: 15 });
    expect(word.number).toBeUndefined();
  });

  it('drops zero-width characters and apostrophes inside words, splitting on punctuation', () => {
    expect(skeleton('s\u200bex')).toBe('sex');
    expect(skeleton("faire l'amour, don’t")).toBe('faire lamour dont');
    expect(skeleton('s.e.x s-e-x')).toBe('s e x s e x');
  });

  it('gives each token its offsets in the original text', () => {
    const text = '  Ｈｉ, sеx!';
    const tokens = tokenize(text);
    expect(tokens.map((token) => text.slice(token.start, token.end))).toEqual(['Ｈｉ', 'sеx']);
    const astral = '𝐬𝐞𝐱 now';
    const [math] = tokenize(astral);
    expect(astral.slice(math.start, math.end)).toBe('𝐬𝐞𝐱');
  });
});
