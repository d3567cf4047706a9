import type { OutputScanner } from '../moderation/output-scanner.js';
import type { ModerationHit } from '../moderation/moderation.types.js';

/**
 * The output scan of one reply, between the model and its followers: text is let through only
 * once the scanner has checked the sentence it belongs to, so an offending sentence never
 * reaches a client. The first sentence is checked as soon as it ends; later ones a few at a
 * time (OutputScanner), so what waits is at most a few sentences. Per delta: one
 * concatenation, and a slice when text is let through.
 */
export class ReplyScreen {
  /** Text pushed and not let through yet (not checked, or refused). */
  private held = '';
  private cleared = 0;
  private hard = false;

  constructor(private readonly scanner: OutputScanner) {}

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

  /** Takes a delta of the model; answers the text now cleared for followers ('' for none). */
  push(text: string): string {
    if (this.hard) return '';
    this.held += text;
    if (this.scanner.push(text) === 'hard') return this.refuse();
    return this.release(this.scanner.safeLength);
  }

  /** The reply ended (or was stopped): checks what is held; answers the text cleared. */
  finish(): string {
    if (this.hard) return '';
    if (this.scanner.flush().verdict === 'hard') return this.refuse();
    return this.release(this.cleared + this.held.length);
  }

  private release(upTo: number): string {
    if (upTo <= this.cleared) return '';
    const text = this.held.slice(0, upTo - this.cleared);
    this.held = this.held.slice(text.length);
    this.cleared = upTo;
    return text;
  }

  private refuse(): string {
    this.hard = true;
    this.held = '';
    return '';
  }
}
