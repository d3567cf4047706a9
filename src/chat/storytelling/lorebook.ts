/*
 * Longer than most files on purpose: parsing a book within its limits, caching the compiled
 * version and selecting entries under one budget are one pass over the same entry shape.
 */
import { LRUCache } from 'lru-cache';
import { LOREBOOK_LIMITS } from '../../characters/lib/lorebook-limits.js';
import {
  compileRegexKey,
  KeyAutomaton,
  KeyScan,
  type RegexKey,
  StepBudget,
} from './lorebook-keys.js';

export { BOOK_STEP_BUDGET, isSafePattern, safePattern } from './lorebook-keys.js';

/**
 * Lorebook (SillyTavern `character_book`, card spec V2/V3) entry selection: which entries the
 * recent messages trigger, within the book's token budget. Books come from imported cards of any
 * origin, so every field is checked and anything malformed is skipped, never thrown.
 *
 * Bounds, since any user's book runs on the event loop for every message (lorebook-keys.ts):
 * a book is read up to LOREBOOK_LIMITS (1,000 entries, 50 keys per list, 5,000 keys and 50,000
 * key characters in all, keys of 200 characters, 400,000 content characters; what lies past
 * them in an older row is ignored), its keys look at the latest 20,000 characters only, and all
 * of them, plain, whole-word and regex alike, share one budget of BOOK_STEP_BUDGET steps per
 * message, tried in entry order: a key whose work no longer fits does not match. The parsed
 * book and its compiled matchers are cached per book version (`cacheKey`).
 */

export const LOREBOOK_DEFAULTS = {
  /** Messages scanned when the book sets no scan_depth (SillyTavern's usual setting). */
  scanDepth: 4,
  /** A book may ask for less, never more: it shares the context window with the history. */
  maxTokenBudget: 2048,
  maxScanDepth: 100,
  /** The keys look at most this much of the latest text (see BOOK_STEP_BUDGET). */
  maxScanChars: 20_000,
} as const;

export interface LorebookOptions {
  defaultScanDepth?: number;
  maxTokenBudget?: number;
  /**
   * Names this version of the book (e.g. the character's id and updated_at): its parsed
   * entries and compiled keys are then kept for the next message (see compiledBooks).
   */
  cacheKey?: string;
}

/** An inserted entry, as recorded on the assistant message. */
export interface LorebookEntryRef {
  /** The entry's `id`, else its index in `entries`. */
  id: number | string;
  /** `name`, else `comment` (SillyTavern's title field), else null. */
  name: string | null;
}

export interface LorebookSelection {
  /** Contents for before the character definitions, in insertion order. */
  before: string[];
  /** Contents for after the character definitions, in insertion order. */
  after: string[];
  fired: LorebookEntryRef[];
  /** Steps the keys took, at most BOOK_STEP_BUDGET. */
  steps: number;
  /** Whether the compiled book came from the cache. */
  cached: boolean;
}

/** SillyTavern `extensions.selectiveLogic`: how secondary keys combine with a primary match. */
const SELECTIVE_LOGIC = ['and_any', 'not_all', 'not_any', 'and_all'] as const;
type SelectiveLogic = (typeof SELECTIVE_LOGIC)[number];

type Matcher = (scan: KeyScan) => boolean;

/** A parsed entry; shared by every message of the cached book version, so never mutated. */
interface Entry {
  ref: LorebookEntryRef;
  index: number;
  content: string;
  keys: Matcher[];
  secondaryKeys: Matcher[];
  selective: boolean;
  logic: SelectiveLogic;
  constant: boolean;
  scanDepth: number | null;
  order: number;
  priority: number;
  position: 'before_char' | 'after_char';
  tokens: number;
}

interface CompiledBook {
  entries: Entry[];
  /** Rough bytes held, for the cache's bound. */
  size: number;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const finite = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const nonEmptyString = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap((item) => nonEmptyString(item) ?? []) : [];

/** Tokens as chars/4: close enough for budgeting without a tokenizer per model. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * Compiled books by version. Bounded in count and in memory (a book at the limits holds a few
 * MB: ~50,000 automaton states and its contents); a book edited gets a new key, and its old
 * version ages out.
 */
const compiledBooks = new LRUCache<string, CompiledBook>({
  max: 256,
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (book) => book.size,
});

export function selectLorebookEntries(
  book: unknown,
  recentMessages: readonly string[],
  options: LorebookOptions = {},
): LorebookSelection {
  const selection: LorebookSelection = {
    before: [],
    after: [],
    fired: [],
    steps: 0,
    cached: false,
  };
  if (!isObject(book) || !Array.isArray(book.entries)) return selection;

  const maxBudget = options.maxTokenBudget ?? LOREBOOK_DEFAULTS.maxTokenBudget;
  const bookBudget = finite(book.token_budget);
  const budget =
    bookBudget !== null && bookBudget > 0 ? Math.min(bookBudget, maxBudget) : maxBudget;
  const defaultDepth =
    depthOf(book.scan_depth) ?? options.defaultScanDepth ?? LOREBOOK_DEFAULTS.scanDepth;

  const { cacheKey } = options;
  let compiled = cacheKey === undefined ? undefined : compiledBooks.get(cacheKey);
  selection.cached = compiled !== undefined;
  if (compiled === undefined) {
    compiled = compileBook(book.entries);
    if (cacheKey !== undefined) compiledBooks.set(cacheKey, compiled);
  }

  const steps = new StepBudget();
  const scans = new Map<number, KeyScan>();
  const scanAt = (depth: number): KeyScan => {
    let scan = scans.get(depth);
    if (scan === undefined) {
      const text = depth === 0 ? '' : recentMessages.slice(-depth).join('\n');
      scan = new KeyScan(text.slice(-LOREBOOK_DEFAULTS.maxScanChars), steps);
      scans.set(depth, scan);
    }
    return scan;
  };

  const triggered = compiled.entries.filter(
    (entry) => entry.constant || isTriggered(entry, scanAt(entry.scanDepth ?? defaultDepth)),
  );
  selection.steps = steps.used;

  // Constants first ("always inserted"), then higher priority: lower priority is dropped first.
  const byImportance = [...triggered].sort(
    (a, b) =>
      Number(b.constant) - Number(a.constant) ||
      b.priority - a.priority ||
      a.order - b.order ||
      a.index - b.index,
  );
  const kept: Entry[] = [];
  let used = 0;
  for (const entry of byImportance) {
    if (used + entry.tokens > budget) continue;
    used += entry.tokens;
    kept.push(entry);
  }

  // Lower insertion_order is inserted higher (card spec V2).
  kept.sort((a, b) => a.order - b.order || a.index - b.index);
  for (const entry of kept) {
    (entry.position === 'after_char' ? selection.after : selection.before).push(entry.content);
    selection.fired.push(entry.ref);
  }
  return selection;
}

function depthOf(value: unknown): number | null {
  const depth = finite(value);
  if (depth === null || depth < 0) return null;
  return Math.min(Math.floor(depth), LOREBOOK_DEFAULTS.maxScanDepth);
}

/** Parses the entries within LOREBOOK_LIMITS and compiles their keys. */
function compileBook(rawEntries: readonly unknown[]): CompiledBook {
  const keys = new BookKeys();
  let contentLeft = LOREBOOK_LIMITS.contentChars;
  const entries: Entry[] = [];
  rawEntries.slice(0, LOREBOOK_LIMITS.entries).forEach((raw, index) => {
    const entry = parseEntry(raw, index, keys, contentLeft);
    if (!entry) return;
    contentLeft -= entry.content.length;
    entries.push(entry);
  });
  keys.build();
  const keyChars = LOREBOOK_LIMITS.keyChars - keys.charsLeft;
  const contentChars = LOREBOOK_LIMITS.contentChars - contentLeft;
  // ~64 bytes per automaton state and regex character, 2 per content character.
  return { entries, size: 1024 + keyChars * 64 + contentChars * 2 };
}

function parseEntry(
  raw: unknown,
  index: number,
  keys: BookKeys,
  contentLeft: number,
): Entry | null {
  if (!isObject(raw) || raw.enabled === false) return null;
  const content = stripDecorators(typeof raw.content === 'string' ? raw.content : '');
  if (content === '' || content.length > contentLeft) return null;
  const extensions = isObject(raw.extensions) ? raw.extensions : {};

  const caseSensitive = raw.case_sensitive === true || extensions.case_sensitive === true;
  const matcherOptions: MatcherOptions = {
    caseSensitive,
    wholeWords: extensions.match_whole_words === true,
    useRegex: raw.use_regex === true,
  };
  const matchers = (value: unknown) =>
    stringList(value)
      .slice(0, LOREBOOK_LIMITS.keysPerEntry)
      .flatMap((key) => (keys.admit(key) ? [keys.matcher(key, matcherOptions)] : []));
  const constant = raw.constant === true;
  const primary = matchers(raw.keys);
  if (primary.length === 0 && !constant) return null;

  const order = finite(raw.insertion_order) ?? 100;
  const logicIndex = finite(extensions.selectiveLogic);
  return {
    ref: {
      id: typeof raw.id === 'number' || typeof raw.id === 'string' ? raw.id : index,
      name: nonEmptyString(raw.name) ?? nonEmptyString(raw.comment),
    },
    index,
    content,
    keys: primary,
    secondaryKeys: matchers(raw.secondary_keys),
    selective: raw.selective === true,
    logic: SELECTIVE_LOGIC[logicIndex ?? 0] ?? 'and_any',
    constant,
    scanDepth: depthOf(extensions.scan_depth),
    order,
    // Without a priority, the insertion order ranks the entry (SillyTavern keeps higher orders).
    priority: finite(raw.priority) ?? order,
    position:
      raw.position === 'after_char' || (raw.position === undefined && extensions.position === 1)
        ? 'after_char'
        : 'before_char',
    tokens: estimateTokens(content),
  };
}

/** Card V3 decorators (`@@depth 4` lines heading the content) are directives, not lore. */
function stripDecorators(content: string): string {
  const lines = content.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].trimStart().startsWith('@@')) first++;
  return lines.slice(first).join('\n').trim();
}

function isTriggered(entry: Entry, scan: KeyScan): boolean {
  if (scan.text === '' || !entry.keys.some((match) => match(scan))) return false;
  // An empty secondary list makes a "selective" entry plain, as in SillyTavern.
  if (!entry.selective || entry.secondaryKeys.length === 0) return true;
  const hits = entry.secondaryKeys.filter((match) => match(scan)).length;
  switch (entry.logic) {
    case 'and_any':
      return hits > 0;
    case 'and_all':
      return hits === entry.secondaryKeys.length;
    case 'not_any':
      return hits === 0;
    case 'not_all':
      return hits < entry.secondaryKeys.length;
  }
}

interface MatcherOptions {
  caseSensitive: boolean;
  wholeWords: boolean;
  useRegex: boolean;
}

const never: Matcher = () => false;

/**
 * A book's keys as they are compiled: plain and whole-word keys join the automaton of their
 * case mode (no regex per key), the same regex twice is compiled once.
 */
class BookKeys {
  private readonly sensitive = new KeyAutomaton();
  private readonly insensitive = new KeyAutomaton();
  private readonly regexes = new Map<string, RegexKey | null>();
  private keysLeft: number = LOREBOOK_LIMITS.keys;
  charsLeft: number = LOREBOOK_LIMITS.keyChars;

  /** Whether the key is within the book's limits (counting it), else it is ignored. */
  admit(key: string): boolean {
    if (key.length > LOREBOOK_LIMITS.keyLength) return false;
    if (this.keysLeft === 0 || key.length > this.charsLeft) return false;
    this.keysLeft--;
    this.charsLeft -= key.length;
    return true;
  }

  /**
   * A key is a regex when written `/pattern/flags` (SillyTavern) or when the entry sets
   * `use_regex` (card V3); otherwise a substring, or a whole word with `match_whole_words`.
   * A regex that does not compile or could backtrack catastrophically never matches, except
   * under `use_regex`, which SillyTavern exports set on every entry: there such a key is
   * taken literally.
   */
  matcher(key: string, options: MatcherOptions): Matcher {
    const literal = /^\/(.+)\/([a-z]*)$/s.exec(key);
    if (literal) return this.regex(literal[1], literal[2].replace(/[^imsu]/g, '')) ?? never;
    const plain = this.plain(key, options);
    if (!options.useRegex) return plain;
    return this.regex(key, options.caseSensitive ? '' : 'i') ?? plain;
  }

  build(): void {
    this.sensitive.build();
    this.insensitive.build();
  }

  private regex(pattern: string, flags: string): Matcher | null {
    const id = `${flags}/${pattern}`;
    let compiled = this.regexes.get(id);
    if (compiled === undefined) {
      compiled = compileRegexKey(pattern, flags);
      this.regexes.set(id, compiled);
    }
    const key = compiled;
    return key ? (scan) => scan.regex(key) : null;
  }

  private plain(key: string, { caseSensitive, wholeWords }: MatcherOptions): Matcher {
    const automaton = caseSensitive ? this.sensitive : this.insensitive;
    const id = automaton.add(caseSensitive ? key : key.toLowerCase());
    return (scan) => scan.plain(automaton, caseSensitive, id, wholeWords);
  }
}
