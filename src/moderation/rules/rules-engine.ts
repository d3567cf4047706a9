import type { CategoryScores, ModerationCategory } from '../moderation.types.js';
import { MODERATION_CATEGORIES } from '../moderation.types.js';
import { BENIGN_PHRASES, LEXICON } from './lexicon/index.js';
import type { TermKind } from './lexicon/types.js';
import { TermTrie } from './matcher.js';
import { skeleton, tokenize, type Token } from './normalize.js';

/**
 * How far apart (in words) a minor and a sexual term may stand and still make
 * `minors_sexual`: about a sentence.
 */
export const MINOR_WINDOW = 12;

interface TermData {
  kind: TermKind | 'benign' | 'number';
  weight: number;
  value?: number;
}

type AgeRole = 'unit' | 'counted' | 'notAfter' | 'label' | 'grade';

interface AgeData {
  role: AgeRole;
  /** Index into LEXICON: counted units need their own language's `before` words. */
  language: number;
  /** The folded term: languages sharing a counted unit (años/anos) share its negations. */
  key: string;
}

// Compiled once: every term of the seven languages in one trie, the age grammar in another.
const TERMS = new TermTrie<TermData>();
const AGES = new TermTrie<AgeData>();
const BEFORE: Set<string>[] = [];
/** Per counted unit: the span-of-time words before the number, of every language it is in. */
const NOT_BEFORE = new Map<string, Set<string>>();
/** Per counted unit: the languages it is in (their `notAfter` words apply). */
const UNIT_LANGUAGES = new Map<string, Set<number>>();
const skeletons = (words: readonly string[]) => new Set(words.map(skeleton));

LEXICON.forEach((language, index) => {
  for (const group of language.terms) {
    for (const term of group.terms) TERMS.add(term, { kind: group.kind, weight: group.weight });
  }
  const { ages } = language;
  for (const [word, value] of Object.entries(ages.numbers)) {
    TERMS.add(word, { kind: 'number', weight: 1, value });
  }
  const roles: Array<[AgeRole, readonly string[]]> = [
    ['unit', ages.units],
    ['counted', ages.countedUnits],
    ['notAfter', ages.notAfter],
    ['label', ages.labels],
    ['grade', ages.grades],
  ];
  for (const [role, words] of roles) {
    for (const word of words) AGES.add(word, { role, language: index, key: skeleton(word) });
  }
  BEFORE.push(skeletons(ages.before));
  for (const unit of ages.countedUnits.map(skeleton)) {
    if (!NOT_BEFORE.has(unit)) NOT_BEFORE.set(unit, new Set());
    for (const word of ages.notBefore) NOT_BEFORE.get(unit)!.add(skeleton(word));
    if (!UNIT_LANGUAGES.has(unit)) UNIT_LANGUAGES.set(unit, new Set());
    UNIT_LANGUAGES.get(unit)!.add(index);
  }
});
for (const phrase of BENIGN_PHRASES) TERMS.add(phrase, { kind: 'benign', weight: 1 });

/** Ordinal endings after a number ("8th", "8-го", "3e", "3ª"). */
const ORDINALS = skeletons([
  'st',
  'nd',
  'rd',
  'th',
  'e',
  'er',
  're',
  'eme',
  'o',
  'a',
  'го',
  'й',
  'я',
  'ой',
  'ая',
  'ий',
  'ый',
]);

interface Hit {
  kind: TermKind;
  weight: number;
  /** Token indices, inclusive. */
  from: number;
  to: number;
}

interface NumberAt {
  value: number;
  from: number;
  to: number;
  /** Letters glued to the digits ("15yo", "8th"). */
  suffix?: string;
}

/** Offsets in the original text of the strongest evidence for a category. */
export interface Evidence {
  start: number;
  end: number;
}

export interface RulesOutcome {
  scores: CategoryScores;
  evidence: Partial<Record<ModerationCategory, Evidence>>;
}

const CATEGORY_KINDS = new Set<string>(MODERATION_CATEGORIES);
const LEADING_DIGITS = /^([0-9]{1,3})([^0-9].*)$/;

/** Scores one text with the built-in rules (synchronous, no I/O). */
export function scanText(text: string, nsfw: boolean): RulesOutcome {
  const tokens = TERMS.joinSpelledOut(tokenize(text));
  const hits: Hit[] = [];
  const numbers: NumberAt[] = [];
  const benign: Array<[number, number]> = [];
  for (let i = 0; i < tokens.length; i++) {
    TERMS.match(
      (offset) => tokens[i + offset]?.forms,
      (data, words) => {
        const to = i + words - 1;
        if (data.kind === 'number') numbers.push({ value: data.value!, from: i, to });
        else if (data.kind === 'benign') benign.push([i, to]);
        else hits.push({ kind: data.kind, weight: data.weight, from: i, to });
      },
    );
    const token = tokens[i];
    if (token.number !== undefined) {
      numbers.push({ value: token.number, from: i, to: i });
    } else {
      const glued = token.forms.length > 1 ? LEADING_DIGITS.exec(token.text) : null;
      if (glued) numbers.push({ value: Number(glued[1]), from: i, to: i, suffix: glued[2] });
    }
  }
  for (const number of numbers) {
    const age = ageHit(number, tokens);
    if (age) hits.push(age);
  }
  return score(tokens, benign.length > 0 ? hits.filter((hit) => !inside(hit, benign)) : hits, nsfw);
}

const inside = (hit: Hit, spans: Array<[number, number]>): boolean =>
  hit.kind === 'sexual' && spans.some(([from, to]) => hit.from >= from && hit.to <= to);

/** A stated age (minor_self under 18, adult from 18) or school grade around a number. */
function ageHit(number: NumberAt, tokens: Token[]): Hit | null {
  let next = number.to + 1;
  let suffix = number.suffix;
  if (suffix !== undefined && ORDINALS.has(suffix)) suffix = undefined;
  else if (
    suffix === undefined &&
    tokens[next] &&
    ORDINALS.has(tokens[next].text) &&
    tokens[next].start <= tokens[number.to].end + 1
  ) {
    next++;
  }
  const after = (offset: number): readonly string[] | undefined =>
    suffix === undefined
      ? tokens[next + offset]?.forms
      : offset === 0
        ? [suffix]
        : tokens[next + offset - 1]?.forms;

  let age = false;
  let grade = false;
  let span = 0;
  AGES.match(after, (data, words) => {
    if (
      data.role === 'unit' ||
      (data.role === 'counted' && counted(data, number, tokens, after, words))
    ) {
      age = true;
      span = Math.max(span, words);
    } else if (data.role === 'grade') {
      grade = true;
      span = Math.max(span, words);
    }
  });
  if (!age && !grade) age = labelled(number, tokens);
  const end = Math.min(tokens.length - 1, number.to + span);
  if (grade && !age) {
    return number.value >= 1 && number.value <= 12
      ? { kind: 'minor_self', weight: 1, from: number.from, to: end }
      : null;
  }
  if (!age || number.value < 1 || number.value > 120) return null;
  return {
    kind: number.value < 18 ? 'minor_self' : 'adult',
    weight: 1,
    from: number.from,
    to: end,
  };
}

/**
 * "ей 15 лет", "tiene 15 años": a counted unit is an age after its language's cue words,
 * unless a word of any language sharing the unit makes it a span ("hace más de 15 años",
 * "15 anni fa").
 */
function counted(
  unit: AgeData,
  number: NumberAt,
  tokens: Token[],
  after: (offset: number) => readonly string[] | undefined,
  unitWords: number,
): boolean {
  const formsBefore = (k: number) => tokens[number.from - k]?.forms ?? [];
  const cued = [1, 2].some((k) => formsBefore(k).some((form) => BEFORE[unit.language].has(form)));
  if (!cued) return false;
  const negations = NOT_BEFORE.get(unit.key)!;
  if ([1, 2, 3].some((k) => formsBefore(k).some((form) => negations.has(form)))) return false;
  const languages = UNIT_LANGUAGES.get(unit.key)!;
  let span = false;
  AGES.match(
    (offset) => after(unitWords + offset),
    (data) => {
      if (data.role === 'notAfter' && languages.has(data.language)) span = true;
    },
  );
  return !span;
}

/** "age 15", "aged fifteen", "возраст: 15", "im Alter von 15". */
function labelled(number: NumberAt, tokens: Token[]): boolean {
  let found = false;
  for (const k of [1, 2]) {
    AGES.match(
      (offset) => (offset < k ? tokens[number.from - k + offset]?.forms : undefined),
      (data, words) => {
        if (data.role === 'label' && words <= k) found = true;
      },
    );
  }
  return found;
}

const gap = (a: Hit, b: Hit): number =>
  Math.max(0, Math.max(a.from, b.from) - Math.min(a.to, b.to));

/**
 * Category scores, each the chance that at least one of its hits is right (1 − Π(1 − w)).
 * `minors_sexual` also comes from a minor term near a sexual one (the product of their
 * weights), and on NSFW text from a stated minor alone.
 */
function score(tokens: Token[], hits: Hit[], nsfw: boolean): RulesOutcome {
  const scores: CategoryScores = {};
  const strongest: Partial<
    Record<ModerationCategory, { weight: number; from: number; to: number }>
  > = {};
  const add = (category: ModerationCategory, weight: number, from: number, to: number): void => {
    if (weight <= 0) return;
    scores[category] = 1 - (1 - (scores[category] ?? 0)) * (1 - weight);
    const best = strongest[category];
    if (!best || weight > best.weight) strongest[category] = { weight, from, to };
  };
  const sexual: Hit[] = [];
  const minors: Hit[] = [];
  const adults: Hit[] = [];
  for (const hit of hits) {
    if (CATEGORY_KINDS.has(hit.kind))
      add(hit.kind as ModerationCategory, hit.weight, hit.from, hit.to);
    if (hit.kind === 'sexual') sexual.push(hit);
    else if (hit.kind === 'adult') adults.push(hit);
    else if (hit.kind.startsWith('minor_')) minors.push(hit);
  }
  for (const minor of minors) {
    // "teen" next to a stated adult age is the adult.
    if (minor.kind === 'minor_weak' && adults.some((adult) => gap(minor, adult) <= MINOR_WINDOW))
      continue;
    let partner: Hit | undefined;
    for (const hit of sexual) {
      if (gap(minor, hit) <= MINOR_WINDOW && (!partner || hit.weight > partner.weight))
        partner = hit;
    }
    const alone = nsfw && minor.kind !== 'minor_noun' ? minor.weight : 0;
    const paired = partner ? minor.weight * partner.weight : 0;
    if (paired >= alone && partner) {
      add(
        'minors_sexual',
        paired,
        Math.min(minor.from, partner.from),
        Math.max(minor.to, partner.to),
      );
    } else {
      add('minors_sexual', alone, minor.from, minor.to);
    }
  }
  const evidence: RulesOutcome['evidence'] = {};
  for (const [category, best] of Object.entries(strongest) as Array<
    [ModerationCategory, { from: number; to: number }]
  >) {
    evidence[category] = { start: tokens[best.from].start, end: tokens[best.to].end };
  }
  return { scores, evidence };
}

/** Up to `radius` characters of text either side of [start, end), on one line. */
export function excerptOf(text: string, start: number, end: number, radius = 60): string {
  const from = Math.max(0, start - radius);
  const to = Math.min(text.length, end + radius);
  const body = text.slice(from, to).replace(/\s+/g, ' ').trim();
  return `${from > 0 ? '…' : ''}${body}${to < text.length ? '…' : ''}`;
}
