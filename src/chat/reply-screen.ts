import type { OutputScanner } from '../moderation/output-scanner.js';
import type { ModerationHit } from '../moderation/moderation.types.js';

/**
 * The output scan of one reply, between the model and its followers (`emit`). Two ways, as the
 * admin setting moderation_output_hold_back says:
 *
 * - streaming (the default): each delta goes on as it comes, unless the check it completes is
 *   a hard hit; the offending sentence's earlier words may have reached clients by then, and
 *   the reply is dropped (nothing saved) with an error event.
 * - holding back: deltas wait until the scanner has checked all of their text, so an offending
 *   sentence never reaches a client. The first sentence is checked as soon as it ends, later
 *   ones a few at a time (OutputScanner); text without a sentence end waits up to ~600
 *   characters or the reply's end. Deltas go on whole, as the model sent them.
 *
 * Per delta: the scanner's concatenation, and when holding back an array slot.
 */
export class ReplyScreen {
  /** Held deltas not let through yet, from `next` on (holding back only). */
  private held: string[] = [];
  private next = 0;
  /** Characters let through (holding back: a prefix of the scanner's safe length). */
  private cleared = 0;
  private hard = false;

  constructor(
    private readonly scanner: OutputScanner,
    private readonly holdBack: boolean,
    private readonly emit: (text: string) => void,
  ) {}

  /** A hard hit stopped the reply: nothing more is let through. */
  get refused(): boolean {
    return this.hard;
  }

  /** The hit that stopped the reply, once one did. */
  get cause(): ModerationHit | undefined {
    return this.scanner.cause;
  }

  /** Softer hits (and the hard one) found so far, strongest first. */
  get hits(): ModerationHit[] {
    return this.scanner.hits;
  }

  /** Takes a delta of the model; false once the reply is refused (stop reading the model). */
  push(text: string): boolean {
    if (this.hard) return false;
    if (this.scanner.push(text) === 'hard') return this.refuse();
    if (!this.holdBack) this.emit(text);
    else {
      this.held.push(text);
      this.release(this.scanner.safeLength);
    }
    return true;
  }

  /** The reply ended (or was stopped): checks what is left and lets it through if clean. */
  finish(): void {
    if (this.hard) return;
    if (this.scanner.flush().verdict === 'hard') {
      this.refuse();
      return;
    }
    if (this.holdBack) this.release(Infinity);
  }

  /** Lets through the held deltas whose text lies within the first `upTo` characters. */
  private release(upTo: number): void {
    const held = this.held;
    while (this.next < held.length && this.cleared + held[this.next].length <= upTo) {
      this.cleared += held[this.next].length;
      this.emit(held[this.next++]);
    }
    if (this.next === held.length && held.length > 0) {
      this.held = [];
      this.next = 0;
    }
  }

  private refuse(): false {
    this.hard = true;
    this.held = [];
    this.next = 0;
    return false;
  }
}
