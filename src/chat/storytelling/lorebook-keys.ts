/*
 * Longer than most files on purpose: the key matchers of every kind (plain, whole-word, regex)
 * share one step budget and one Aho–Corasick automaton, which only work kept together.
 */
/**
 * Lorebook key matching on the event loop, bounded: any user can publish a card, and its keys
 * run on every message of every chat with it.
 *
 * - Plain and whole-word keys never become regexes: all of a book's keys of one case mode form
 *   one Aho–Corasick automaton (built once per book version, see lorebook.ts), which finds every
 *   key in one pass over the text; whole-word hits are then checked at their two ends. A pass
 *   costs one step per character, per failure link followed and per key occurrence met.
 * - Regex keys are bounded (boundPattern) and cost their tries per position × the positions.
 * - Every key kind draws on one StepBudget per book and message: a key whose work no longer
 *   fits never matches, so a message costs at most BOOK_STEP_BUDGET steps per book.
 */

/**
 * Steps one book may take per message: the regex keys' former budget (2,048 tries per position
 * over the 20,000 characters scanned), ~0.2–0.4 s at the very worst. A plain pass over 20,000
 * characters takes ~4·10⁴ steps (at most ~4·10⁶ with 200 nested keys), a small share of it.
 */
export const BOOK_STEP_BUDGET = 2048 * 20_000;

/** Work counted against a book's budget for one message. */
export class StepBudget {
  used = 0;
  constructor(readonly limit: number = BOOK_STEP_BUDGET) {}

  get left(): number {
    return this.limit - this.used;
  }

  /** Takes `steps` when they fit, else nothing: a budget is never overdrawn. */
  take(steps: number): boolean {
    if (steps > this.left) return false;
    this.used += steps;
    return true;
  }
}

/** Letters, digits and underscores: what `match_whole_words` keys may not touch. */
const WORD_RUNS = /[\p{L}\p{N}_]+/gu;

/** 1 at each UTF-16 unit of `text` that belongs to a word character; one pass. */
export function wordUnits(text: string): Uint8Array {
  const units = new Uint8Array(text.length);
  for (const run of text.matchAll(WORD_RUNS)) units.fill(1, run.index, run.index + run[0].length);
  return units;
}

/** Bits of a key's state after a pass: found anywhere, found as a whole word. */
const FOUND = 1;
const FOUND_WHOLE = 2;

/**
 * An Aho–Corasick automaton over the UTF-16 code units of a set of keys: one pass finds every
 * occurrence of all of them, in time linear in the text plus the occurrences. Built, it is a
 * few typed arrays: each step is a handful of array reads.
 */
export class KeyAutomaton {
  /** The keys by id, until build(). */
  private readonly ids = new Map<string, number>();
  private built = false;

  /** Code unit → symbol (the keys' alphabet, in code order); others lead back to the root. */
  private readonly symbols = new Map<number, number>();
  /** The root's transition by symbol (dense: the root is where most characters land). */
  private rootNext = new Int32Array(0);
  /** The other states' transitions, sorted by symbol: those of s lie in [first[s], first[s+1]). */
  private first = new Int32Array(1);
  private childSymbol = new Int32Array(0);
  private childState = new Int32Array(0);
  private fail = new Int32Array(1);
  /** The key ending at each state, or -1. */
  private keyAt = new Int32Array(1).fill(-1);
  /** The nearest state down the failure chain where a key ends (0: none). */
  private outputLink = new Int32Array(1);
  private keyLength = new Int32Array(0);

  /** The key's id in this automaton; the same key twice gets the same id. */
  add(key: string): number {
    if (this.built) throw new Error('KeyAutomaton: add() after build()');
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }

  /**
   * Builds the trie from the keys in code-unit order, so that each state's children come in
   * symbol order, straight into arrays; then links the failure transitions, breadth first.
   * Linear in the keys' total length, but for the sort.
   */
  build(): this {
    if (this.built) return this;
    this.built = true;
    const keys = [...this.ids.keys()];
    const codes = new Set<number>();
    for (const key of keys) for (let i = 0; i < key.length; i++) codes.add(key.charCodeAt(i));
    [...codes].sort((a, b) => a - b).forEach((code, symbol) => this.symbols.set(code, symbol));
    this.keyLength = Int32Array.from(keys, (key) => key.length);

    const order = keys.map((_, id) => id).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
    const parent = [-1];
    const symbolOf = [-1];
    const terminal = [-1];
    const path = [0];
    let previous = '';
    for (const id of order) {
      const key = keys[id];
      let shared = 0;
      while (shared < key.length && key[shared] === previous[shared]) shared++;
      let state = path[shared];
      for (let i = shared; i < key.length; i++) {
        parent.push(state);
        symbolOf.push(this.symbols.get(key.charCodeAt(i))!);
        terminal.push(-1);
        state = parent.length - 1;
        path[i + 1] = state;
      }
      terminal[state] = id;
      previous = key;
    }

    // Edges grouped by parent (a counting sort, stable: children stay in symbol order).
    const states = parent.length;
    this.first = new Int32Array(states + 1);
    for (let state = 1; state < states; state++) this.first[parent[state] + 1]++;
    for (let state = 0; state < states; state++) this.first[state + 1] += this.first[state];
    const fill = this.first.slice(0, states);
    this.childSymbol = new Int32Array(states - 1);
    this.childState = new Int32Array(states - 1);
    this.rootNext = new Int32Array(this.symbols.size);
    for (let state = 1; state < states; state++) {
      const edge = fill[parent[state]]++;
      this.childSymbol[edge] = symbolOf[state];
      this.childState[edge] = state;
      if (parent[state] === 0) this.rootNext[symbolOf[state]] = state;
    }
    this.keyAt = Int32Array.from(terminal);
    this.fail = new Int32Array(states);
    this.outputLink = new Int32Array(states);

    const queue = new Int32Array(states);
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const state = queue[head];
      for (let edge = this.first[state]; edge < this.first[state + 1]; edge++) {
        const child = this.childState[edge];
        let target = 0;
        if (state !== 0) {
          let fallback = this.fail[state];
          let next = this.next(fallback, this.childSymbol[edge]);
          while (next < 0 && fallback !== 0) {
            fallback = this.fail[fallback];
            next = this.next(fallback, this.childSymbol[edge]);
          }
          target = Math.max(next, 0);
        }
        this.fail[child] = target;
        this.outputLink[child] = this.keyAt[target] >= 0 ? target : this.outputLink[target];
        queue[tail++] = child;
      }
    }
    return this;
  }

  /** The transition from `state` on `symbol`, or -1. */
  private next(state: number, symbol: number): number {
    if (state === 0) return this.rootNext[symbol] || -1;
    let low = this.first[state];
    let high = this.first[state + 1] - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const found = this.childSymbol[middle];
      if (found === symbol) return this.childState[middle];
      if (found < symbol) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /**
   * One pass over `text`: each key's FOUND / FOUND_WHOLE bits, and the steps taken (one per
   * character, per failure link followed and per key occurrence met). Stops after `limit`
   * steps; keys not found by then count as absent.
   */
  scan(text: string, limit: number): { found: Uint8Array; steps: number } {
    const found = new Uint8Array(this.ids.size);
    if (!this.built) return { found, steps: 0 };
    let words: Uint8Array | undefined;
    let steps = 0;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      if (++steps > limit) return { found, steps: limit };
      const symbol = this.symbols.get(text.charCodeAt(i));
      if (symbol === undefined) {
        state = 0;
        continue;
      }
      let next = this.next(state, symbol);
      while (next < 0 && state !== 0) {
        if (++steps > limit) return { found, steps: limit };
        state = this.fail[state];
        next = this.next(state, symbol);
      }
      state = Math.max(next, 0);
      const end = i + 1;
      for (let out = this.keyAt[state] >= 0 ? state : this.outputLink[state]; out !== 0;) {
        if (++steps > limit) return { found, steps: limit };
        const id = this.keyAt[out];
        if ((found[id] & FOUND_WHOLE) === 0) {
          if (words === undefined) {
            // Marking the word characters is a pass over the text too.
            if ((steps += text.length) > limit) return { found, steps: limit };
            words = wordUnits(text);
          }
          const start = end - this.keyLength[id];
          const whole = (start === 0 || words[start - 1] === 0) && words[end] !== 1;
          found[id] |= whole ? FOUND | FOUND_WHOLE : FOUND;
        }
        out = this.outputLink[out];
      }
    }
    return { found, steps };
  }
}

/** A user's regex, bounded (boundPattern) and compiled once per book version. */
export interface RegexKey {
  regex: RegExp;
  /** Ways it may try per text position (boundPattern). */
  tries: number;
}

/**
 * One scanned text of one message (a book's scan depth), shared by the book's entries: each
 * automaton runs over it at most once, each regex key at most once.
 */
export class KeyScan {
  private lowered: string | undefined;
  private readonly passes = new Map<KeyAutomaton, Uint8Array>();
  private readonly regexResults = new Map<RegexKey, boolean>();

  constructor(
    readonly text: string,
    private readonly budget: StepBudget,
  ) {}

  /** Whether the key `id` of `automaton` occurs (as a whole word when asked). */
  plain(automaton: KeyAutomaton, caseSensitive: boolean, id: number, wholeWord: boolean): boolean {
    let found = this.passes.get(automaton);
    if (found === undefined) {
      // Case-insensitive keys were lower-cased when the automaton was built.
      const text = caseSensitive ? this.text : (this.lowered ??= this.text.toLowerCase());
      const pass = automaton.scan(text, this.budget.left);
      this.budget.take(pass.steps);
      found = pass.found;
      this.passes.set(automaton, found);
    }
    return (found[id] & (wholeWord ? FOUND_WHOLE : FOUND)) !== 0;
  }

  /** Whether a regex key matches, when its worst case still fits the budget. */
  regex(key: RegexKey): boolean {
    let matched = this.regexResults.get(key);
    if (matched === undefined) {
      matched = this.budget.take(key.tries * (this.text.length + 1)) && key.regex.test(this.text);
      this.regexResults.set(key, matched);
    }
    return matched;
  }
}

/** Unbounded quantifiers of users' regexes repeat at most this often (see safePattern). */
const MAX_REPEATS = 30;
/** The most ways a user's regex may try to match at one position of the text. */
const MAX_TRIES = 1024;
/** Longer regex keys are refused rather than compiled (LOREBOOK_LIMITS.keyLength). */
const MAX_PATTERN_LENGTH = 200;

/** A user's regex, bounded and compiled; null when it cannot be (see boundPattern). */
export function compileRegexKey(pattern: string, flags: string): RegexKey | null {
  const bounded = boundPattern(pattern);
  if (!bounded) return null;
  try {
    return { regex: new RegExp(bounded.source, flags), tries: bounded.tries };
  } catch {
    return null;
  }
}

/**
 * A user's regex made safe to run on every message, or null when it cannot be. Refused:
 * back-references, and a quantified group that itself holds a quantifier or an alternation,
 * at any depth (`(a+)+`, `(a|aa)*`, `((ab)*c)+`): they backtrack exponentially. Side-by-side
 * quantifiers backtrack polynomially (`\s*\s*\s*x`), so unbounded ones are bounded (`*` to
 * `{0,30}`, `+` to `{1,30}`, `{n,}` to `{n,n+30}`; a key runs of over 30 repeats are rare),
 * and the product of all quantifiers' ranges and all groups' alternatives (`(a|b)(a|b)…`
 * doubles at each group), the tries per text position, must stay under MAX_TRIES. The tries
 * are what the key then costs per position from its book's StepBudget.
 */
function boundPattern(pattern: string): { source: string; tries: number } | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return null;
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
