/** Slugs of characters and personas (spec: slugify.py): 3–50 characters of `[a-z0-9-]`. */
export const SLUG_MIN_LENGTH = 3;
export const SLUG_MAX_LENGTH = 50;

export type SlugRule = 'too-short' | 'too-long' | 'invalid-characters';

/** A user-supplied slug broke a rule; `rule` says which, the message says it in words. */
export class SlugError extends Error {
  override readonly name = 'SlugError';

  constructor(
    readonly rule: SlugRule,
    message: string,
  ) {
    super(message);
  }
}

const collapseDashes = (value: string): string =>
  value.replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');

/**
 * Normalizes a user-supplied slug and returns it, or throws a SlugError naming the broken rule.
 * Letters outside a-z are rejected rather than transliterated: a slug the user typed should be
 * used as typed, not silently changed into something else.
 */
export function validateSlug(input: string): string {
  const slug = collapseDashes(
    input
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, '-'),
  );
  if (slug.length < SLUG_MIN_LENGTH) {
    throw new SlugError('too-short', `slug must be at least ${SLUG_MIN_LENGTH} characters`);
  }
  if (slug.length > SLUG_MAX_LENGTH) {
    throw new SlugError('too-long', `slug must be at most ${SLUG_MAX_LENGTH} characters`);
  }
  if (!/^[a-z0-9-]+$/.test(slug)) {
    throw new SlugError(
      'invalid-characters',
      'slug may contain only latin letters a-z, digits and dashes',
    );
  }
  return slug;
}

// Letters NFKD leaves whole (Cyrillic has no Latin decomposition; ß, æ, ø… are not composed
// of a base letter and a mark), so they are spelled out before the marks are stripped. Keys are
// lower-case because the name is lower-cased first.
// prettier-ignore
const TRANSLITERATION: Readonly<Record<string, string>> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'yo', ж: 'zh', з: 'z', и: 'i', й: 'y',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f',
  х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  і: 'i', ї: 'yi', є: 'ye', ґ: 'g', ў: 'u',
  ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h', ŧ: 't',
};

/** Lower-case ASCII spelling of a name: transliterated, accents dropped, the rest left as is. */
function transliterate(name: string): string {
  // NFC first so that an already-decomposed "е\u0308" still matches the map entry for "ё".
  const mapped = Array.from(name.normalize('NFC').toLowerCase(), (ch) => TRANSLITERATION[ch] ?? ch);
  // NFKD splits "é" into "e" + U+0301 (and "ﬁ" into "fi"); the marks are then dropped.
  return mapped.join('').normalize('NFKD').replace(/\p{M}/gu, '');
}

/**
 * Cuts at the last dash that fits, so a long name loses whole words rather than half of one;
 * a single very long word (or one that would leave too little) is cut mid-word instead.
 */
function truncateAtWord(slug: string, maxLength: number): string {
  if (slug.length <= maxLength) return slug;
  const lastDash = slug.lastIndexOf('-', maxLength);
  const end = lastDash >= maxLength / 2 ? lastDash : maxLength;
  return collapseDashes(slug.slice(0, end));
}

/**
 * A unique, readable slug for a new character or persona: the transliterated name plus
 * `-${shortId}` (the first 6–8 hex digits of its uuid), always within SLUG_MAX_LENGTH.
 * A name with nothing transliterable (emoji, CJK) becomes `${fallbackPrefix}-${shortId}`.
 */
export function generateSlug(name: string, shortId: string, fallbackPrefix = 'character'): string {
  if (!/^[0-9a-f]{6,8}$/.test(shortId)) {
    throw new Error(`shortId must be 6-8 lower-case hex digits, got '${shortId}'`);
  }
  // Apostrophes join rather than split: "O'Brien" → "obrien", not "o-brien".
  const words = transliterate(name)
    .replace(/['’ʼ]/g, '')
    .replace(/[^a-z0-9]+/g, '-');
  const base = truncateAtWord(collapseDashes(words), SLUG_MAX_LENGTH - shortId.length - 1);
  return `${base || fallbackPrefix}-${shortId}`;
}
