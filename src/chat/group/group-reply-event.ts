/** The server-sent events of a group reply round (documented by GROUP_REPLY_EVENTS). */
export type GroupReplyEvent =
  | { type: 'token'; character_id: string; content: string }
  | { type: 'done'; character_id: string; message_id: number; stopped?: true }
  | { type: 'error'; character_id: string; message: string }
  /** Last event of every round. */
  | { type: 'end'; user_message_id: number | null };
