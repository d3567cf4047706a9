import { describe, expect, it } from '@jest/globals';
import { generateSlug, SlugError, validateSlug, type SlugRule } from './slug.js';

describe('validateSlug', () => {
  it.each([
    ['  My_Cool  Slug ', 'my-cool-slug'],
    ['--a--b--', 'a-b'],
    ['Agent__47', 'agent-47'],
    ['abc', 'abc'],
    ['x'.repeat(50), 'x'.repeat(50)],
  ])('normalizes %p to %p', (input, slug) => {
    expect(validateSlug(input)).toBe(slug);
  });

  it.each<[string, SlugRule, string]>([
    ['ab', 'too-short', 'slug must be at least 3 characters'],
    ['  -_- ', 'too-short', 'slug must be at least 3 characters'],
    ['x'.repeat(51), 'too-long', 'slug must be at most 50 characters'],
    ['héllo', 'invalid-characters', 'slug may contain only latin letters a-z, digits and dashes'],
    ['a/b/c', 'invalid-characters', 'slug may contain only latin letters a-z, digits and dashes'],
  ])('rejects %p: %s', (input, rule, message) => {
    const error = captureError(() => validateSlug(input));
    expect(error).toBeInstanceOf(SlugError);
    expect(error).toMatchObject({ rule, message });
  });
});

describe('generateSlug', () => {
  const id = 'a1b2c3d4';

  it.each([
    ['Анна Каренина', 'anna-karenina'],
    ['Ёжик в тумане', 'yozhik-v-tumane'],
    ['Щука и Чебурашка', 'shchuka-i-cheburashka'],
    ['Хьюстон', 'khyuston'],
    ['Цой Жив', 'tsoy-zhiv'],
    ['Объявление Эльфа', 'obyavlenie-elfa'],
    ['Їжачок Євген Ґудзик', 'yizhachok-yevgen-gudzik'],
    ['Léa Seydoux', 'lea-seydoux'],
    ['Straße', 'strasse'],
    ['Ærøskøbing', 'aeroskobing'],
    ['José Niño', 'jose-nino'],
    ['Françoise Œuvre', 'francoise-oeuvre'],
    ['Zoë Ünter from Åland', 'zoe-unter-from-aland'],
    ['Dr. Łukasz Żółć', 'dr-lukasz-zolc'],
    ["O'Brien the Brave", 'obrien-the-brave'],
    ['  --Agent__47--  ', 'agent-47'],
    ['Ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['Е\u0308жик', 'yozhik'],
    ['Sakura 桜', 'sakura'],
    ['🐉🔥', 'character'],
    ['桜の木', 'character'],
    ['', 'character'],
    [
      'Daenerys Stormborn of House Targaryen the First of Her Name, Queen of the Andals',
      'daenerys-stormborn-of-house-targaryen-the',
    ],
    ['W'.repeat(80), 'w'.repeat(41)],
  ])('%p → %p-<id>', (name, base) => {
    const slug = generateSlug(name, id);
    expect(slug).toBe(`${base}-${id}`);
    expect(validateSlug(slug)).toBe(slug);
  });

  it('cuts a long name at a word boundary and stays within 50 characters', () => {
    const slug = generateSlug('Очень длинное имя персонажа для проверки обрезки слага', 'abcdef');
    expect(slug).toBe('ochen-dlinnoe-imya-personazha-dlya-proverki-abcdef');
    expect(slug).toHaveLength(50);
  });

  it('uses the given prefix for names with nothing to transliterate', () => {
    expect(generateSlug('🙂', 'abcdef', 'persona')).toBe('persona-abcdef');
  });

  it('refuses a short id that is not 6–8 lower-case hex digits', () => {
    expect(() => generateSlug('Anna', 'xyz')).toThrow(
      "shortId must be 6-8 lower-case hex digits, got 'xyz'",
    );
    expect(() => generateSlug('Anna', 'a1b2c3d4e5')).toThrow(/shortId/);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
