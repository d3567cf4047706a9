import type { MemoryUsed } from '../entities/message.entity.js';

/**
 * The server-sent events of a round (documented by REPLY_EVENTS in dto/message.dto.ts). Every
 * character that speaks streams tokens, then a `done` (its reply saved) or an `error` (which
 * ends the round); a group chat's round closes with `end`, a direct chat's with its one reply's
 * `done` or `error`.
 */
export interface ReplyTokenEvent {
  type: 'token';
  content: string;
  /** The character speaking. */
  character_id: string;
}

export interface ReplyDoneEvent {
  type: 'done';
  /** Null when the reply was stopped before any text arrived (nothing was saved). */
  message_id: number | null;
  /** The user message answered; null when a continued opening answers none. */
  user_message_id: number | null;
  character_id: string;
  anon_messages_left?: number;
  dice_rolls?: Array<Record<string, unknown>>;
  encounter_state?: Record<string, unknown>;
  /** What the reply's prompt remembered (ids), when it carried anything. */
  memory_used?: MemoryUsed;
  stopped?: true;
}

export interface ReplyErrorEvent {
  type: 'error';
  message: string;
  /** The character whose reply failed; absent when the round failed as a whole. */
  character_id?: string;
}

/** Last event of a group chat's round. */
export interface RoundEndEvent {
  type: 'end';
  /** The user's message; null when no character answered and it was dropped. */
  user_message_id: number | null;
}

export type ReplyEvent = ReplyTokenEvent | ReplyDoneEvent | ReplyErrorEvent | RoundEndEvent;
/** How one character's reply ended. */
export type ReplyOutcome = ReplyDoneEvent | ReplyErrorEvent;

/** How a round ended, for whoever stopped it. */
export interface RoundSummary {
  /** The round was cut short: a reply kept as far as it got, or characters left unheard. */
  stopped: boolean;
  /** The last reply the round saved. */
  message_id: number | null;
}
