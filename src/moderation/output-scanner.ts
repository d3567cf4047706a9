import { decide, refuses, type ModerationPolicy } from './moderation-policy.js';
import type { ModerationHit } from './moderation.types.js';
import type { RulesClassifier } from './rules/rules.classifier.js';

/** Where a sentence ends: a terminator (and closing quotes) before whitespace, or a line break. */
const BOUNDARY = /[.!?…。！？]+["'»”’)\]]*(?=\s)|\n/g;
/**
 * Sentences are checked together once this much text waits (short sentences one by one would
 * read the carried context again each time: ~4× the CPU on a chatty reply).
 */
const MIN_CHECKED = 120;
/** Text without a sentence end is checked anyway once this long (cut at a space). */
const MAX_UNCHECKED = 600;
/**
 * Characters of checked text carried into the next check, so a minor and a sexual term in
 * neighbouring sentences still meet (MINOR_WINDOW words is about this long).
 */
const CONTEXT_CHARS = 100;

export type ScanVerdict = 'ok' | 'hard';

export interface OutputScan {
  verdict: ScanVerdict;
  /** Categories at or above their review threshold (soft) or refuse threshold (hard). */
  hits: ModerationHit[];
}

/** What a scan reports as it goes (the moderation metrics). */
export interface ScanCounter {
  /** Each check of a few sentences. */
  checked(verdict: ScanVerdict): void;
  /** A category found in the reply (soft or hard), once per reply. */
  hit(hit: ModerationHit): void;
}

const UNCOUNTED: ScanCounter = { checked: () => undefined, hit: () => undefined };

/**
 * Scans a model's reply as it streams, on sentence boundaries (not per token: the first
 * sentence once it ends, then the sentences that ended since the last check once about
 * MIN_CHECKED characters wait), with the
 * built-in rules only (synchronous, ~0.1 ms per KB). `push` answers `hard` once a checked
 * sentence reaches a refuse threshold, and from then on; `safeLength` is how much of the
 * pushed text was checked and passed, so the caller keeps nothing of the offending part.
 * Softer hits gather in `hits` for the caller to flag (ModerationService.flagMessage).
 */
export class OutputScanner {
  private pending = '';
  private context = '';
  private checked = 0;
  private stopped = false;
  private refusal?: ModerationHit;
  private readonly found = new Map<string, ModerationHit>();

  constructor(
    private readonly rules: RulesClassifier,
    private readonly policy: ModerationPolicy,
    private readonly nsfw: boolean,
    private readonly counter: ScanCounter = UNCOUNTED,
  ) {}

  /** Characters of the pushed text that were checked and passed. */
  get safeLength(): number {
    return this.checked;
  }

  /** The hit that stopped the reply (a refuse threshold reached), once one did. */
  get cause(): ModerationHit | undefined {
    return this.refusal;
  }

  get hits(): ModerationHit[] {
    return [...this.found.values()].sort((a, b) => b.score - a.score);
  }

  push(text: string): ScanVerdict {
    if (this.stopped) return 'hard';
    this.pending += text;
    // The first sentence is read as soon as it ends: a caller holding text back until it is
    // checked (ReplyScreen) shows the reply's first words that much sooner.
    if (this.pending.length < (this.checked === 0 ? 1 : MIN_CHECKED)) return 'ok';
    let end = -1;
    BOUNDARY.lastIndex = 0;
    for (let match = BOUNDARY.exec(this.pending); match; match = BOUNDARY.exec(this.pending)) {
      end = match.index + match[0].length;
    }
    if (end < 0 && this.pending.length >= MAX_UNCHECKED) {
      const space = this.pending.lastIndexOf(' ');
      end = space > 0 ? space : this.pending.length;
    }
    if (end <= 0) return 'ok';
    const sentence = this.pending.slice(0, end);
    this.pending = this.pending.slice(end);
    return this.check(sentence);
  }

  /** Checks what is left (the reply ended); the reply's verdict and all its hits. */
  flush(): OutputScan {
    if (!this.stopped && this.pending) {
      const rest = this.pending;
      this.pending = '';
      this.check(rest);
    }
    return { verdict: this.stopped ? 'hard' : 'ok', hits: this.hits };
  }

  private check(sentences: string): ScanVerdict {
    const text = this.context + sentences;
    const result = this.rules.classifySync(text, { nsfw: this.nsfw });
    const { verdict, hits } = decide(
      [{ field: 'content', results: [{ source: 'rules', result }] }],
      this.policy,
      {
        nsfw: this.nsfw,
      },
    );
    for (const hit of hits) {
      const known = this.found.get(hit.category);
      // Counted when first found: a reply stopped or abandoned later is counted all the same.
      if (!known) this.counter.hit(hit);
      if (!known || hit.score > known.score) this.found.set(hit.category, hit);
    }
    if (verdict === 'refuse') {
      this.stopped = true;
      this.refusal = hits.find((hit) => refuses(hit, this.policy)) ?? hits[0];
      this.counter.checked('hard');
      return 'hard';
    }
    this.checked += sentences.length;
    // Cut at a space, so the context starts with a whole word.
    const tail = text.length > CONTEXT_CHARS ? text.slice(-CONTEXT_CHARS) : text;
    const space = tail === text ? -1 : tail.indexOf(' ');
    this.context = tail.slice(space + 1);
    this.counter.checked('ok');
    return 'ok';
  }
}
