import type { ModerationCategory } from '../../moderation.types.js';

/**
 * What a term signals. Besides the categories themselves (`minors_sexual` here: terms that are
 * it on their own), the pieces the rules combine into `minors_sexual`:
 * - `minor_self`: the text says someone is a minor (loli, schoolgirl, несовершеннолетняя) —
 *   on an NSFW character that alone is refused;
 * - `minor_noun`: a child is there (child, ребёнок) — refused only next to sexual terms;
 * - `minor_weak`: maybe a minor (teen) — next to sexual terms, review; ignored next to a
 *   stated adult age;
 * - `adult`: a stated adult ("adult", "over 18").
 */
export type TermKind = ModerationCategory | 'minor_self' | 'minor_noun' | 'minor_weak' | 'adult';

/**
 * Terms of one kind and weight (0..1: how sure the term alone makes us). A term is one or more
 * words; a word ending in `*` matches any word it begins ("porn*": porn, porno, pornographic).
 * Terms are written naturally (accents, Cyrillic): they are folded like the text is.
 */
export interface TermGroup {
  kind: TermKind;
  weight: number;
  terms: readonly string[];
}

/**
 * How a language states an age, read around a number (digits or a number word):
 * - `units`: after the number, always an age ("years old", "-летняя", "jahre alt");
 * - `countedUnits`: after the number, an age only when one of `before` comes just before the
 *   number ("ей 15 лет", "tiene 15 años"), since "15 лет назад" or "worked 15 years" is not;
 * - `notBefore`, `notAfter`: words just before the number or just after the unit that make it
 *   a span of time ("hace 15 años", "15 лет назад", "for 15 years");
 * - `labels`: before the number ("aged 15", "возраст: 15", "edad 15");
 * - `grades`: school years next to the number ("8th grade", "8 класс").
 */
export interface AgeGrammar {
  numbers: Readonly<Record<string, number>>;
  units: readonly string[];
  countedUnits: readonly string[];
  before: readonly string[];
  notBefore: readonly string[];
  notAfter: readonly string[];
  labels: readonly string[];
  grades: readonly string[];
}

export interface LanguageRules {
  terms: readonly TermGroup[];
  ages: AgeGrammar;
}
