/** The server-sent events of a reply (documented by REPLY_EVENTS in dto/message.dto.ts). */
export interface ReplyTokenEvent {
  type: 'token';
  content: string;
}

export interface ReplyDoneEvent {
  type: 'done';
  /** Null when the reply was stopped before any text arrived (nothing was saved). */
  message_id: number | null;
  user_message_id: number;
  anon_messages_left?: number;
  dice_rolls?: Array<Record<string, unknown>>;
  encounter_state?: Record<string, unknown>;
  stopped?: true;
}

export interface ReplyErrorEvent {
  type: 'error';
  message: string;
}

export type ReplyEvent = ReplyTokenEvent | ReplyDoneEvent | ReplyErrorEvent;
/** How a reply ended. */
export type ReplyOutcome = ReplyDoneEvent | ReplyErrorEvent;
