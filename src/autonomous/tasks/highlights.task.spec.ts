import { describe, expect, it } from '@jest/globals';
import { checkHighlights } from './highlights.task.js';

const LANGS = ['ru', 'en', 'es', 'fr', 'de', 'pt', 'it'];
const valid = () =>
  Object.fromEntries(
    LANGS.map((lang) => [
      lang,
      [`${lang} a pilot who trades in secrets`, `${lang} loyal to a fault`],
    ]),
  );

describe('checkHighlights', () => {
  it('accepts two editorial phrases per language, humanized, in language order', () => {
    const checked = checkHighlights({
      ...valid(),
      en: ['A realm of quiet threats', 'Loyal to a fault, and proud of it'],
    });
    expect('value' in checked && checked.value).toHaveLength(14);
    expect('value' in checked && checked.value[2]).toEqual({
      text: 'A world of quiet threats',
      lang: 'en',
    });
  });

  it.each([
    ['a missing language', { ru: undefined }, /ru must be an array of 2 strings/],
    ['three phrases', { en: ['a', 'b', 'c'] }, /en must be an array of 2/],
    ['a duplicate', { en: ['Loyal to a fault', 'loyal to a fault'] }, /same phrase twice/],
    ['a short phrase', { en: ['Nice', 'Loyal to a fault, always'] }, /15-140 characters/],
    [
      'a quoted review',
      { en: ['"Best chat ever," says a fan', 'Loyal to a fault, always'] },
      /user review/,
    ],
    [
      'first person',
      { en: ['I could talk to her for hours', 'Loyal to a fault, always'] },
      /user review/,
    ],
    [
      'a rating',
      { en: ['Five out of five: 5/5 for sure', 'Loyal to a fault, always'] },
      /user review/,
    ],
    [
      'French first person',
      { fr: ["J'adore ses histoires de pirates", 'Fidèle jusqu’au bout du monde'] },
      /user review/,
    ],
    [
      'Russian first person',
      { ru: ['Мне она очень понравилась', 'Верна до последнего вздоха'] },
      /user review/,
    ],
    [
      'a handle',
      { de: ['Von @nightowl empfohlen, ehrlich', 'Treu bis zum letzten Atemzug'] },
      /user review/,
    ],
  ])('rejects %s', (_label, change, problem) => {
    const checked = checkHighlights({ ...valid(), ...change });
    expect('problems' in checked && checked.problems).toMatch(problem);
  });
});
