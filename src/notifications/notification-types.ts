/**
 * What a notification is about. Metadata carries ids and public names only (a character's
 * name, never another user's email or private text), so any of them may be shown as it is.
 */
export const NOTIFICATION_TYPES = [
  /** Forks of my public character in a day (batched: `count`). */
  'character_forked',
  /** New favorites of my public character in a day (batched: `count`). */
  'character_favorited',
  /** My character's vote score reached a milestone (once per milestone). */
  'vote_milestone',
  /** A report on my character was decided. */
  'report_decided',
  /** Moderation unpublished or rejected my character, or held my listed one for review. */
  'character_moderated',
  /** A reply finished after I had left the chat (the stream closed before `done`). */
  'reply_ready',
  /** A character wrote first (a proactive message). */
  'proactive_message',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Vote scores that raise `vote_milestone` when a character first reaches them. */
export const VOTE_MILESTONES = [10, 50, 100, 500, 1000, 5000, 10_000] as const;

/** The milestone a vote moved the score up to or past, if any (the highest one). */
export function milestoneReached(before: number, after: number): number | null {
  const crossed = VOTE_MILESTONES.filter((milestone) => before < milestone && after >= milestone);
  return crossed.at(-1) ?? null;
}

export type NotificationMetadata = Record<string, string | number | boolean | null>;
