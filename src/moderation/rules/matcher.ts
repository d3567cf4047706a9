import { tokenize, type Token } from './normalize.js';

/** One word of a term after its first: `prefix` matches any word it begins. */
interface Part {
  text: string;
  prefix: boolean;
}

export interface Entry<T> {
  data: T;
  /** The words after the first, each matched against the next token. */
  rest: Part[];
}

/** Children and entries are made when first needed: most nodes have one child and none. */
interface Node<T> {
  /** By UTF-16 code unit. */
  children?: Map<number, Node<T>>;
  /** Terms whose first word ends here. */
  exact?: Entry<T>[];
  /** Terms whose first word is a prefix ending here. */
  prefix?: Entry<T>[];
}

/** A term's words, folded like text is: `porn*` → prefix "porn"; "faire l'amour" → 2 words. */
function partsOf(term: string): Part[] {
  return term
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => {
      const prefix = word.endsWith('*');
      const words = tokenize(prefix ? word.slice(0, -1) : word).map((token) => token.text);
      // Only the last piece of a word split by folding ("x-ray*") keeps the star.
      return words.map((text, i) => ({ text, prefix: prefix && i === words.length - 1 }));
    });
}

/**
 * A trie of terms over folded characters; each term's first word is walked character by
 * character, the rest compared word by word. Built once at start-up.
 */
export class TermTrie<T> {
  private readonly root: Node<T> = {};

  add(term: string, data: T): void {
    const parts = partsOf(term);
    if (parts.length === 0) return;
    const [first, ...rest] = parts;
    let current = this.root;
    for (let k = 0; k < first.text.length; k++) {
      const code = first.text.charCodeAt(k);
      current.children ??= new Map();
      let next = current.children.get(code);
      if (!next) current.children.set(code, (next = {}));
      current = next;
    }
    if (first.prefix) (current.prefix ??= []).push({ data, rest });
    else (current.exact ??= []).push({ data, rest });
  }

  /**
   * Every term starting at word 0 of `wordAt` (its forms: a token's spellings), calling
   * `found` with the term's data and how many words it spans.
   */
  match(
    wordAt: (offset: number) => readonly string[] | undefined,
    found: (data: T, words: number) => void,
  ): void {
    const forms = wordAt(0);
    if (!forms) return;
    // A term reached through two spellings of one token counts once.
    const seen = forms.length > 1 ? new Set<Entry<T>>() : undefined;
    for (const form of forms) {
      let current: Node<T> | undefined = this.root;
      for (let k = 0; k < form.length; k++) {
        current = current.children?.get(form.charCodeAt(k));
        if (!current) break;
        if (current.prefix) this.report(current.prefix, wordAt, found, seen);
        if (current.exact && k === form.length - 1) this.report(current.exact, wordAt, found, seen);
      }
    }
  }

  private report(
    entries: Entry<T>[],
    wordAt: (offset: number) => readonly string[] | undefined,
    found: (data: T, words: number) => void,
    seen: Set<Entry<T>> | undefined,
  ): void {
    for (const entry of entries) {
      if (seen?.has(entry)) continue;
      seen?.add(entry);
      const words = this.restLength(entry, wordAt);
      if (words > 0) found(entry.data, words);
    }
  }

  /**
   * Tokens spelled out letter by letter ("s e x", "s.e.x") form runs of one-letter tokens:
   * each run of three or more is cut into the longest terms it holds, read as one token each
   * (the letters in between stay single), so "a c h i l d" still reads "a", "child".
   */
  joinSpelledOut(tokens: Token[]): Token[] {
    let out: Token[] | undefined;
    for (let i = 0; i < tokens.length;) {
      let j = i;
      while (j < tokens.length && isLetter(tokens[j])) j++;
      if (j - i < 3) {
        const end = Math.max(j, i + 1);
        if (out) for (let k = i; k < end; k++) out.push(tokens[k]);
        i = end;
        continue;
      }
      out ??= tokens.slice(0, i);
      for (let p = i; p < j;) {
        const q = this.longestTermIn(tokens, p, j);
        if (q > p + 1) {
          const text = tokens
            .slice(p, q)
            .map((token) => token.text)
            .join('');
          out.push({ text, start: tokens[p].start, end: tokens[q - 1].end, forms: [text] });
          p = q;
        } else {
          out.push(tokens[p++]);
        }
      }
      i = j;
    }
    return out ?? tokens;
  }

  /** The end (exclusive) of the longest first word of a term spelled by tokens[p..j). */
  private longestTermIn(tokens: Token[], p: number, j: number): number {
    let current: Node<T> | undefined = this.root;
    let best = p;
    for (let q = p; q < j && current; q++) {
      const text = tokens[q].text;
      for (let k = 0; k < text.length && current; k++)
        current = current.children?.get(text.charCodeAt(k));
      if (current && (current.exact || current.prefix)) best = q + 1;
    }
    return best;
  }

  /** 1 + the words after the first when they all match, else 0. */
  private restLength(
    entry: Entry<T>,
    wordAt: (offset: number) => readonly string[] | undefined,
  ): number {
    for (let k = 0; k < entry.rest.length; k++) {
      const part = entry.rest[k];
      const forms = wordAt(k + 1);
      if (!forms) return 0;
      const matches = part.prefix
        ? forms.some((form) => form.startsWith(part.text))
        : forms.includes(part.text);
      if (!matches) return 0;
    }
    return entry.rest.length + 1;
  }
}

const isLetter = (token: Token): boolean => token.text.length === 1 && !/[0-9]/.test(token.text);
