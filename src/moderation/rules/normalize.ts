/**
 * Text as the rules read it: words ("tokens") in a skeleton alphabet where case, diacritics,
 * compatibility forms (fullwidth, 𝐦𝐚𝐭𝐡 letters, circled letters) and Cyrillic/Greek letters
 * that look like Latin ones are folded together, each with its offsets in the original text.
 * Keywords go through the same folding when the lexicon is compiled, so "sеx" with a Cyrillic
 * е, "ＳＥＸ" and "секс" written with Latin c/e each meet their keyword. Leetspeak is undone in
 * extra forms of a token that mixes letters with digits or $@€ ("s3x" is also "sex"); spaced
 * and punctuated letters ("s e x", "s.e.x") are joined by the matcher (runs of one-letter
 * tokens). One pass over the text, one table lookup per character.
 */

/** Dropped characters (combining marks, zero-width and other format characters). */
const DROP = '';
/** Separates tokens (whitespace, punctuation, symbols). */
const SEP = ' ';
const APOSTROPHES = new Set(["'", '’', '‘', '`', '´', 'ʼ', 'ʹ']);
/** Symbols that stand for letters in leetspeak; kept inside tokens, undone in extra forms. */
const LEET_SYMBOLS = new Set(['@', '$', '€']);

/**
 * Look-alikes folded onto one letter (after lower-casing and stripping diacritics). Cyrillic
 * з, ч and б fold onto the digits they resemble, so "3", "4" and "6" written inside a Russian
 * word meet them too.
 */
// prettier-ignore
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', г: 'r', е: 'e', з: '3', и: 'u', к: 'k', м: 'm', н: 'h', о: 'o', п: 'n',
  р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ь: 'b', б: '6', ч: '4', ш: 'w', і: 'i', ј: 'j',
  ѕ: 's', ԁ: 'd', ӏ: 'l', ѵ: 'v', ү: 'y', һ: 'h', ԛ: 'q', ԝ: 'w',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p',
  τ: 't', υ: 'u', χ: 'x', ω: 'w',
  // Latin letters without a decomposition
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', ı: 'i', ſ: 's', þ: 'th', ɑ: 'a', ɡ: 'g',
};

/** Leetspeak read as Latin letters ("s3x", "p0rn", "$ex"). */
// prettier-ignore
const LEET_LATIN: Record<string, string> = {
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
  '@': 'a', $: 's', '€': 'e',
};
/** Leetspeak inside Cyrillic words: 3, 4 and 6 already stand for з, ч and б (HOMOGLYPHS). */
const LEET_CYRILLIC: Record<string, string> = { '0': 'o', '1': 'i', '@': 'a', $: 's', '€': 'e' };

const MARK = /\p{M}/gu;
const FORMAT = /^[\p{M}\p{Cf}]$/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const SYMBOL_LETTER = /^[\p{L}\p{N}\p{So}]$/u;

/**
 * The skeleton of one character (a code point), DROP or SEP. Apostrophes are dropped, so they
 * join the letters on either side ("don't", "l'amour") and vanish at a word's edge.
 */
function classify(char: string): string {
  if (FORMAT.test(char) || APOSTROPHES.has(char)) return DROP;
  if (LEET_SYMBOLS.has(char)) return char;
  if (!SYMBOL_LETTER.test(char)) return SEP;
  let folded = '';
  for (const part of char.toLowerCase().normalize('NFKD').replace(MARK, '')) {
    if (!WORD_CHAR.test(part)) continue;
    const lower = part.toLowerCase();
    folded += HOMOGLYPHS[lower] ?? lower;
  }
  return folded || SEP;
}

/**
 * Latin, Greek, Cyrillic, punctuation, letter-like symbols (every character of the seven
 * languages), each classified the first time it is seen: nothing to build at start-up.
 */
const TABLE_SIZE = 0x2500;
const TABLE: Array<string | undefined> = new Array<string | undefined>(TABLE_SIZE);
/** Fullwidth forms and astral letters (𝐦𝐚𝐭𝐡), looked up once each. */
const RARE = new Map<number, string>();

function mapCodePoint(code: number): string {
  let mapped = RARE.get(code);
  if (mapped === undefined) {
    mapped = classify(String.fromCodePoint(code));
    if (RARE.size < 10_000) RARE.set(code, mapped);
  }
  return mapped;
}

export interface Token {
  /** The skeleton as written. */
  text: string;
  /** Offsets of the token in the original text: [start, end). */
  start: number;
  end: number;
  /** `text` and its leetspeak readings, when it mixes letters with digits or $@€. */
  forms: string[];
  /** A token of ASCII digits only: its value (ages, grades). */
  number?: number;
}

function undo(text: string, table: Record<string, string>): string {
  let out = '';
  for (const char of text) out += table[char] ?? char;
  return out;
}

/**
 * `leet`: the original had an ASCII digit or $@€ among letters (a Cyrillic з folded onto "3"
 * is not leetspeak); `digitsOnly`: the original was ASCII digits.
 */
function makeToken(
  text: string,
  start: number,
  end: number,
  leet: boolean,
  digitsOnly: boolean,
): Token {
  if (digitsOnly) {
    const token: Token = { text, start, end, forms: [text] };
    if (text.length <= 4) token.number = Number(text);
    return token;
  }
  if (!leet) return { text, start, end, forms: [text] };
  const forms = [text];
  for (const form of [undo(text, LEET_LATIN), undo(text, LEET_CYRILLIC)]) {
    if (!forms.includes(form)) forms.push(form);
  }
  return { text, start, end, forms };
}

/** Splits text into skeleton tokens with their original offsets. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let current = '';
  let start = -1;
  let end = 0;
  let digits = 0;
  let symbols = 0;
  let chars = 0;
  const flush = (): void => {
    if (current) {
      const digitsOnly = digits === chars;
      tokens.push(makeToken(current, start, end, !digitsOnly && digits + symbols > 0, digitsOnly));
    }
    current = '';
    start = -1;
    digits = symbols = chars = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let mapped: string;
    let width = 1;
    if (code < TABLE_SIZE) {
      mapped = TABLE[code] ??= classify(String.fromCharCode(code));
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      mapped = mapCodePoint(text.codePointAt(i)!);
      width = 2;
    } else {
      mapped = mapCodePoint(code);
    }
    if (mapped === DROP) {
      i += width - 1;
      continue;
    }
    if (mapped === SEP) {
      flush();
    } else {
      if (start < 0) start = i;
      current += mapped;
      end = i + width;
      chars++;
      if (code >= 0x30 && code <= 0x39) digits++;
      else if (code === 0x40 || code === 0x24 || code === 0x20ac) symbols++;
    }
    i += width - 1;
  }
  flush();
  return tokens;
}

/** The skeleton of a keyword (or any text): its tokens' text, space-separated. */
export const skeleton = (text: string): string =>
  tokenize(text)
    .map((token) => token.text)
    .join(' ');
