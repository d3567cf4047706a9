import type { SseSource } from '../../common/http/sse.js';
import { MAX_DELTA_CHARS, textPieces } from '../../llm/output/text-pieces.js';
import type { ChatKind } from '../entities/chat.entity.js';
import type { ReplyEvent, ReplyOutcome, RoundEndEvent, RoundSummary } from './reply-event.js';

export type StopReason = 'user' | 'shutdown';

interface Follower {
  send: (event: ReplyEvent) => void;
  end: () => void;
}

/** One character's part of the round: its text so far and, once over, how it ended. */
interface Turn {
  characterId: string;
  text: string;
  outcome?: ReplyOutcome;
}

/**
 * A round being written on this instance: the replies of the characters answering one message
 * (one for a direct chat). Their text lives here, in memory, until each reply is saved; any
 * number of clients follow the round (the one that asked, and any that re-attach), each first
 * getting what was written so far. It goes on when they all leave.
 */
export class LiveRound implements SseSource<ReplyEvent> {
  private readonly turns: Turn[] = [];
  private end?: RoundEndEvent | null;
  private readonly followers = new Set<Follower>();
  private readonly controller = new AbortController();
  private stoppedAt = -1;
  private settle!: (summary: RoundSummary) => void;
  /** Resolves with how the round ended. */
  readonly settled = new Promise<RoundSummary>((resolve) => (this.settle = resolve));

  constructor(
    readonly chatId: string,
    readonly kind: ChatKind,
  ) {}

  /** The text of the character speaking now. */
  get content(): string {
    return this.turns.at(-1)?.text ?? '';
  }

  /** Aborts the upstream request when the round is stopped. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopReason(): StopReason | undefined {
    return this.controller.signal.aborted
      ? (this.controller.signal.reason as StopReason)
      : undefined;
  }

  get over(): boolean {
    return this.end !== undefined;
  }

  /** Some client (on this instance or, through a relay, another) follows the round now. */
  get followed(): boolean {
    return this.followers.size > 0;
  }

  stop(reason: StopReason): void {
    if (this.over || this.controller.signal.aborted) return;
    this.stoppedAt = this.turns.length;
    this.controller.abort(reason);
  }

  subscribe(send: (event: ReplyEvent) => void, end: () => void): () => void {
    for (const turn of this.turns) {
      // The text so far in pieces no bigger than a live token: one SSE event each.
      for (const content of textPieces(turn.text, MAX_DELTA_CHARS)) {
        send({ type: 'token', content, character_id: turn.characterId });
      }
      if (turn.outcome) send(turn.outcome);
    }
    if (this.over) {
      if (this.end) send(this.end);
      end();
      return () => undefined;
    }
    const follower = { send, end };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  /** The next character starts speaking. */
  speak(characterId: string): void {
    this.turns.push({ characterId, text: '' });
  }

  append(text: string): void {
    const turn = this.turns.at(-1)!;
    turn.text += text;
    if (this.followers.size === 0) return;
    const event: ReplyEvent = { type: 'token', content: text, character_id: turn.characterId };
    for (const follower of this.followers) follower.send(event);
  }

  /** The speaking character's reply ended (saved, or failed). */
  conclude(outcome: ReplyOutcome): void {
    const turn = this.turns.at(-1);
    if (turn) turn.outcome = outcome;
    else this.turns.push({ characterId: outcome.character_id ?? '', text: '', outcome });
    for (const follower of this.followers) follower.send(outcome);
  }

  /**
   * Ends the round: a group chat's with `end` (its last event), a direct chat's after its one
   * reply's outcome (`end` null). Every follower is let go.
   */
  finish(end: RoundEndEvent | null): void {
    this.end = end;
    for (const follower of this.followers) {
      if (end) follower.send(end);
      follower.end();
    }
    this.followers.clear();
    const saved = this.turns.findLast(
      (turn) => turn.outcome?.type === 'done' && turn.outcome.message_id !== null,
    );
    const last = this.turns.at(-1)?.outcome;
    this.settle({
      // Stopped while a reply was being written, or before a character's turn came.
      stopped:
        this.stoppedAt >= 0 &&
        ((last?.type === 'done' && last.stopped === true) || this.kind === 'group'),
      message_id: saved?.outcome?.type === 'done' ? saved.outcome.message_id : null,
    });
  }
}
