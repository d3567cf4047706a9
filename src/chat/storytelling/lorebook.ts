/**
 * Lorebook (SillyTavern `character_book`, card spec V2/V3) entry selection: which entries the
 * recent messages trigger, within the book's token budget. Books come from imported cards of any
 * origin, so every field is checked and anything malformed is skipped, never thrown.
 */

export const LOREBOOK_DEFAULTS = {
  /** Messages scanned when the book sets no scan_depth (SillyTavern's usual setting). */
  scanDepth: 4,
  /** A book may ask for less, never more: it shares the context window with the history. */
  maxTokenBudget: 2048,
  maxScanDepth: 100,
  /** Longer regex keys are refused rather than compiled (see boundPattern). */
  maxPatternLength: 200,
  /**
   * The keys look at most this much of the latest text: with the regex budget (REGEX_BUDGET)
   * and the caps below it bounds their work per message.
   */
  maxScanChars: 20_000,
  /** Entries and keys past these are ignored (plain keys cost a substring search each). */
  maxEntries: 1_000,
  maxKeysPerEntry: 50,
} as const;

export interface LorebookOptions {
  defaultScanDepth?: number;
  maxTokenBudget?: number;
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
}

/** SillyTavern `extensions.selectiveLogic`: how secondary keys combine with a primary match. */
const SELECTIVE_LOGIC = ['and_any', 'not_all', 'not_any', 'and_all'] as const;
type SelectiveLogic = (typeof SELECTIVE_LOGIC)[number];

type Matcher = (text: string) => boolean;

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

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const finite = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const nonEmptyString = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap((item) => nonEmptyString(item) ?? []) : [];

const keyList = (value: unknown): string[] =>
  stringList(value).slice(0, LOREBOOK_DEFAULTS.maxKeysPerEntry);

/** Tokens as chars/4: close enough for budgeting without a tokenizer per model. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export function selectLorebookEntries(
  book: unknown,
  recentMessages: readonly string[],
  options: LorebookOptions = {},
): LorebookSelection {
  const selection: LorebookSelection = { before: [], after: [], fired: [] };
  if (!isObject(book) || !Array.isArray(book.entries)) return selection;

  const maxBudget = options.maxTokenBudget ?? LOREBOOK_DEFAULTS.maxTokenBudget;
  const bookBudget = finite(book.token_budget);
  const budget =
    bookBudget !== null && bookBudget > 0 ? Math.min(bookBudget, maxBudget) : maxBudget;
  const defaultDepth =
    depthOf(book.scan_depth) ?? options.defaultScanDepth ?? LOREBOOK_DEFAULTS.scanDepth;

  const scanned = new Map<number, string>();
  const textAt = (depth: number): string => {
    let text = scanned.get(depth);
    if (text === undefined) {
      text = depth === 0 ? '' : recentMessages.slice(-depth).join('\n');
      text = text.slice(-LOREBOOK_DEFAULTS.maxScanChars);
      scanned.set(depth, text);
    }
    return text;
  };

  const regexBudget = { tries: REGEX_BUDGET };
  const triggered = book.entries
    .slice(0, LOREBOOK_DEFAULTS.maxEntries)
    .flatMap((raw, index) => parseEntry(raw, index, regexBudget) ?? [])
    .filter(
      (entry) => entry.constant || isTriggered(entry, textAt(entry.scanDepth ?? defaultDepth)),
    );

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

function parseEntry(raw: unknown, index: number, budget: { tries: number }): Entry | null {
  if (!isObject(raw) || raw.enabled === false) return null;
  const content = stripDecorators(typeof raw.content === 'string' ? raw.content : '');
  if (content === '') return null;
  const extensions = isObject(raw.extensions) ? raw.extensions : {};

  const caseSensitive = raw.case_sensitive === true || extensions.case_sensitive === true;
  const matcherOptions: MatcherOptions = {
    caseSensitive,
    wholeWords: extensions.match_whole_words === true,
    useRegex: raw.use_regex === true,
    budget,
  };
  const keys = keyList(raw.keys).map((key) => keyMatcher(key, matcherOptions));
  const constant = raw.constant === true;
  if (keys.length === 0 && !constant) return null;

  const order = finite(raw.insertion_order) ?? 100;
  const logicIndex = finite(extensions.selectiveLogic);
  return {
    ref: {
      id: typeof raw.id === 'number' || typeof raw.id === 'string' ? raw.id : index,
      name: nonEmptyString(raw.name) ?? nonEmptyString(raw.comment),
    },
    index,
    content,
    keys,
    secondaryKeys: keyList(raw.secondary_keys).map((key) => keyMatcher(key, matcherOptions)),
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

function isTriggered(entry: Entry, text: string): boolean {
  if (text === '' || !entry.keys.some((match) => match(text))) return false;
  // An empty secondary list makes a "selective" entry plain, as in SillyTavern.
  if (!entry.selective || entry.secondaryKeys.length === 0) return true;
  const hits = entry.secondaryKeys.filter((match) => match(text)).length;
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
  /** What is left of the book's regex budget (see REGEX_BUDGET), shared by all its keys. */
  budget: { tries: number };
}

/** Unbounded quantifiers of users' regexes repeat at most this often (see safePattern). */
const MAX_REPEATS = 30;
/** The most ways a user's regex may try to match at one position of the text. */
const MAX_TRIES = 1024;
/**
 * The most ways all regex keys of one book together may try per position: with the 20,000
 * characters scanned, a message's keys do at most ~4·10⁷ steps (~0.2 s) however hostile the
 * card. Keys past it never match (or match literally, under use_regex).
 */
const REGEX_BUDGET = 2048;

const never: Matcher = () => false;

/** The last text lower-cased: every case-insensitive key of a message looks at the same one. */
let lastLowered = { text: '', lowered: '' };
const lowerCase = (text: string): string => {
  if (lastLowered.text !== text) lastLowered = { text, lowered: text.toLowerCase() };
  return lastLowered.lowered;
};
const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A key is a regex when written `/pattern/flags` (SillyTavern) or when the entry sets
 * `use_regex` (card V3); otherwise a substring, or a whole word with `match_whole_words`.
 * A regex that does not compile, could backtrack catastrophically or is past the book's
 * budget never matches, except under `use_regex`, which SillyTavern exports set on every
 * entry: there such a key is taken literally.
 */
function keyMatcher(key: string, options: MatcherOptions): Matcher {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(key);
  if (literal) {
    return userRegex(literal[1], literal[2].replace(/[^imsu]/g, ''), options.budget) ?? never;
  }
  const plain = plainMatcher(key, options);
  if (!options.useRegex) return plain;
  return userRegex(key, options.caseSensitive ? '' : 'i', options.budget) ?? plain;
}

/** A user's regex, bounded and paid for from the book's budget; null when it cannot be. */
function userRegex(pattern: string, flags: string, budget: { tries: number }): Matcher | null {
  const bounded = boundPattern(pattern);
  if (!bounded || bounded.tries > budget.tries) return null;
  const matcher = compile(bounded.source, flags);
  if (matcher) budget.tries -= bounded.tries;
  return matcher;
}

function plainMatcher(key: string, options: MatcherOptions): Matcher {
  if (options.wholeWords) {
    const flags = options.caseSensitive ? 'u' : 'iu';
    const bounded = `(?<![\\p{L}\\p{N}_])${escapeRegex(key)}(?![\\p{L}\\p{N}_])`;
    return compile(bounded, flags) ?? never;
  }
  if (options.caseSensitive) return (text) => text.includes(key);
  const lowered = key.toLowerCase();
  return (text) => lowerCase(text).includes(lowered);
}

function compile(source: string, flags: string): Matcher | null {
  try {
    const regex = new RegExp(source, flags);
    return (text) => regex.test(text);
  } catch {
    return null;
  }
}

/**
 * A user's regex made safe to run on every message, or null when it cannot be: any user can
 * publish a card, and its keys run on the event loop. Refused: back-references, and a
 * quantified group that itself holds a quantifier or an alternation, at any depth (`(a+)+`,
 * `(a|aa)*`, `((ab)*c)+`): they backtrack exponentially. Side-by-side quantifiers backtrack
 * polynomially (`\s*\s*\s*x`), so unbounded ones are bounded (`*` to `{0,30}`, `+` to
 * `{1,30}`, `{n,}` to `{n,n+30}`; a key runs of over 30 repeats are rare), and the product
 * of all quantifiers' ranges and all groups' alternatives (`(a|b)(a|b)…` doubles at each
 * group), the tries per text position, must stay under MAX_TRIES.
 */
function boundPattern(pattern: string): { source: string; tries: number } | null {
  if (pattern.length > LOREBOOK_DEFAULTS.maxPatternLength) return null;
  if (/\\[1-9]|\\k</.test(pattern)) return null;
  const risky: boolean[] = [false];
  /** Alternatives of each open group, the whole pattern first. */
  const alternatives: number[] = [1];
  let out = '';
  let tries = 1;
  /** What the last token was: a quantifier may follow an atom or a group, not another one. */
  let last: 'atom' | 'group' | 'riskyGroup' | 'quantifier' | 'open' = 'open';
  const quantify = (range: number, text: string): boolean => {
    // A risky group may be optional ('?': it cannot repeat), never repeated.
    if (last === 'riskyGroup' && text !== '?') return false;
    risky[risky.length - 1] = true;
    tries *= range;
    out += text;
    return tries <= MAX_TRIES;
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      last = 'atom';
    } else if (ch === '[') {
      const start = i;
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      out += pattern.slice(start, i + 1);
      last = 'atom';
    } else if (ch === '(') {
      risky.push(false);
      alternatives.push(1);
      // (?: (?= (?! (?<= (?<! (?<name>: the '?' opens the group, it quantifies nothing.
      const opener = pattern[i + 1] === '?' ? '(?' : '(';
      out += opener;
      i += opener.length - 1;
      last = 'open';
    } else if (ch === ')') {
      const inner = risky.pop() ?? false;
      if (risky.length === 0) return null;
      if (inner) risky[risky.length - 1] = true;
      tries *= alternatives.pop()!;
      if (tries > MAX_TRIES) return null;
      out += ch;
      last = inner ? 'riskyGroup' : 'group';
    } else if ((ch === '*' || ch === '+' || ch === '?') && last !== 'quantifier') {
      if (last === 'open') return null;
      const bounded = ch === '*' ? `{0,${MAX_REPEATS}}` : ch === '+' ? `{1,${MAX_REPEATS}}` : '?';
      if (!quantify(ch === '?' ? 2 : MAX_REPEATS + 1, bounded)) return null;
      last = 'quantifier';
    } else if (ch === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      const [text, min, max] = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i))!;
      i += text.length - 1;
      const low = Number(min);
      const high = max === undefined ? low : max === '' ? low + MAX_REPEATS : Number(max);
      if (!Number.isSafeInteger(high) || high < low) return null;
      if (!quantify(high - low + 1, `{${low},${high}}`)) return null;
      last = 'quantifier';
    } else {
      // '|' makes the enclosing group risky to quantify; a lazy '?' after a quantifier and
      // any other character pass through.
      if (ch === '|') {
        risky[risky.length - 1] = true;
        alternatives[alternatives.length - 1]++;
      }
      out += ch;
      if (!(ch === '?' && last === 'quantifier')) last = ch === '|' ? 'open' : 'atom';
    }
  }
  tries *= alternatives[0];
  return tries <= MAX_TRIES ? { source: out, tries } : null;
}

/** The bounded form of a user's regex (see boundPattern), or null when it is refused. */
export const safePattern = (pattern: string): string | null =>
  boundPattern(pattern)?.source ?? null;

export const isSafePattern = (pattern: string): boolean => safePattern(pattern) !== null;
