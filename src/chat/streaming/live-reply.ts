import type { SseSource } from '../../common/http/sse.js';
import { MAX_DELTA_CHARS, textPieces } from '../../llm/output/text-pieces.js';
import type { ReplyEvent, ReplyOutcome } from './reply-event.js';

export type StopReason = 'user' | 'shutdown';

interface Follower {
  send: (event: ReplyEvent) => void;
  end: () => void;
}

/**
 * A reply being written on this instance. Its text lives here, in memory, until the reply is
 * saved once at the end; any number of clients follow it (the one that asked, and any that
 * re-attach), each first getting the text so far. It goes on when they all leave.
 */
export class LiveReply implements SseSource<ReplyEvent> {
  private text = '';
  private outcome?: ReplyOutcome;
  private readonly followers = new Set<Follower>();
  private readonly controller = new AbortController();
  private settle!: (outcome: ReplyOutcome) => void;
  /** Resolves with how the reply ended. */
  readonly settled = new Promise<ReplyOutcome>((resolve) => (this.settle = resolve));

  constructor(readonly chatId: string) {}

  get content(): string {
    return this.text;
  }

  /** Aborts the upstream request when the reply is stopped. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopReason(): StopReason | undefined {
    return this.controller.signal.aborted
      ? (this.controller.signal.reason as StopReason)
      : undefined;
  }

  stop(reason: StopReason): void {
    if (!this.outcome) this.controller.abort(reason);
  }

  subscribe(send: (event: ReplyEvent) => void, end: () => void): () => void {
    // The text so far in pieces no bigger than a live token: one SSE event each.
    for (const content of textPieces(this.text, MAX_DELTA_CHARS)) send({ type: 'token', content });
    if (this.outcome) {
      send(this.outcome);
      end();
      return () => undefined;
    }
    const follower = { send, end };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  append(text: string): void {
    this.text += text;
    if (this.followers.size === 0) return;
    const event: ReplyEvent = { type: 'token', content: text };
    for (const follower of this.followers) follower.send(event);
  }

  finish(outcome: ReplyOutcome): void {
    this.outcome = outcome;
    for (const follower of this.followers) {
      follower.send(outcome);
      follower.end();
    }
    this.followers.clear();
    this.settle(outcome);
  }
}
