// Checks for two artefacts of some open models (Qwen and Llama variants especially): a reply
// that slides into Chinese/Japanese/Korean/Vietnamese, and English words leaking into a
// Russian or Spanish reply. Providers prone to them retry `generate()` once on a hit.

const LATIN_OR_CYRILLIC = /[A-Za-z\u00C0-\u024F\u0400-\u04FF]/gu;
// Hiragana, katakana, CJK ideographs (incl. extension A and compatibility), Hangul, and the
// letters only Vietnamese uses (ơ, ư and the stacked-diacritic block U+1EA0-U+1EF9).
const FOREIGN =
  /[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF\u01A0\u01A1\u01AF\u01B0\u1EA0-\u1EF9]/gu;
const FOREIGN_LANGUAGES = new Set(['zh', 'ja', 'ko', 'vi']);

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/**
 * True when a reply written mostly in a Latin or Cyrillic script contains CJK or Vietnamese
 * letters. A reply expected in one of those languages (`language`) is never flagged.
 */
export function hasForeignScript(text: string, language?: string): boolean {
  if (language && FOREIGN_LANGUAGES.has(language)) return false;
  const foreign = count(text, FOREIGN);
  return foreign > 0 && count(text, LATIN_OR_CYRILLIC) > foreign;
}

// Frequent English words that are not also Spanish words ("he", "me", "no" are left out).
const ENGLISH_WORDS = new Set(
  (
    'the and with you your that this is are was were have has had her his she they their ' +
    'what for of to it my just but not will would from be been into about there which ' +
    'when while because could should'
  ).split(' '),
);
const CHECKED_LANGUAGES = new Set(['ru', 'es']);
/** Fewer hits are tolerated: a quoted title or a name can contain one or two. */
const MIXED_THRESHOLD = 3;

/** True when a reply expected in Russian or Spanish contains common English words. */
export function hasMixedLanguages(text: string, language: string): boolean {
  if (!CHECKED_LANGUAGES.has(language)) return false;
  let hits = 0;
  for (const word of text.toLowerCase().match(/[a-z']+/g) ?? []) {
    if (ENGLISH_WORDS.has(word) && ++hits >= MIXED_THRESHOLD) return true;
  }
  return false;
}

/** The reply needs a second try: it drifted into another script or language. */
export const isGarbledReply = (text: string, language?: string): boolean =>
  hasForeignScript(text, language) || (language !== undefined && hasMixedLanguages(text, language));
