import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import {
  getSnippetsForIds,
  parseStructuredTags,
  STRUCTURED_TAG_CATEGORIES,
  STRUCTURED_TAGS,
} from './structured-tags.js';

describe('structured tag registry', () => {
  it('holds exactly 33 tags with unique kebab-case ids', () => {
    const ids = STRUCTURED_TAGS.map((tag) => tag.id);
    expect(ids).toHaveLength(33);
    expect(new Set(ids).size).toBe(33);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('has 5 categories, each labelled in all languages and used by at least one tag', () => {
    expect(STRUCTURED_TAG_CATEGORIES).toHaveLength(5);
    for (const category of STRUCTURED_TAG_CATEGORIES) {
      for (const lang of LANGUAGES) expect(category.labels[lang].trim()).not.toBe('');
      expect(STRUCTURED_TAGS.some((tag) => tag.category === category.id)).toBe(true);
    }
  });

  it.each(STRUCTURED_TAGS.map((tag) => [tag.id, tag] as const))(
    '%s has a label and a snippet in every language',
    (_id, tag) => {
      for (const lang of LANGUAGES) {
        expect(tag.labels[lang].trim()).not.toBe('');
        expect(tag.snippets[lang].trim()).not.toBe('');
      }
    },
  );

  it('translates snippets rather than copying the English one', () => {
    for (const tag of STRUCTURED_TAGS) {
      const others = LANGUAGES.filter((lang) => lang !== 'en').map((lang) => tag.snippets[lang]);
      expect(others).not.toContain(tag.snippets.en);
      expect(new Set(others).size).toBe(others.length);
    }
  });
});

describe('parseStructuredTags', () => {
  it('accepts a comma-separated string, trims, lower-cases and de-duplicates', () => {
    expect(parseStructuredTags(' Fantasy, slow-burn,,fantasy , DND')).toEqual({
      ids: ['fantasy', 'slow-burn', 'dnd'],
      unknown: [],
    });
  });

  it('accepts an array and reports unknown ids once each', () => {
    expect(parseStructuredTags(['horror', 'nope', 'comedy', 'nope', 'Also-Nope'])).toEqual({
      ids: ['horror', 'comedy'],
      unknown: ['nope', 'also-nope'],
    });
  });

  it('treats an empty input as no tags', () => {
    expect(parseStructuredTags('')).toEqual({ ids: [], unknown: [] });
    expect(parseStructuredTags([])).toEqual({ ids: [], unknown: [] });
  });
});

describe('getSnippetsForIds', () => {
  const snippet = (id: string, lang: 'en' | 'ru' | 'de') =>
    STRUCTURED_TAGS.find((tag) => tag.id === id)!.snippets[lang];

  it('returns snippets in the order of the ids, in the requested language', () => {
    expect(getSnippetsForIds('villain,fantasy', 'ru')).toEqual([
      snippet('villain', 'ru'),
      snippet('fantasy', 'ru'),
    ]);
    expect(getSnippetsForIds(['fantasy', 'villain'], 'de')).toEqual([
      snippet('fantasy', 'de'),
      snippet('villain', 'de'),
    ]);
  });

  it('skips unknown ids', () => {
    expect(getSnippetsForIds('removed-tag, mentor', 'en')).toEqual([snippet('mentor', 'en')]);
  });

  it('falls back to English for a language the registry does not have', () => {
    expect(getSnippetsForIds('mentor', 'ja')).toEqual([snippet('mentor', 'en')]);
    expect(getSnippetsForIds('mentor', '')).toEqual([snippet('mentor', 'en')]);
  });
});
