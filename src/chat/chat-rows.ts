import type { Language } from '../common/languages.js';
import type { ChatEntity, ChatKind } from './entities/chat.entity.js';

/** Who owns a chat: a user, or a guest session (its chats belong to the anonymous user). */
export type ChatOwner = { userId: string } | { anonSession: string };

type Row = Record<string, unknown>;

/** A chat with its members' ids in speaking order (chat_member); the first is the lead. */
export interface ChatWithMembers extends ChatEntity {
  memberIds: string[];
}

/** The columns `toChat` reads, from `c` (chat): its members come along (pk_chat_member). */
export const CHAT_COLUMNS = `c.id, c.user_id, c.character_id, c.kind, c.persona_name,
  c.persona_description, c.anon_session_id, c.title, c.language, c.summary,
  c.summarized_through_id, c.message_count, c.created_at, c.updated_at,
  ARRAY(SELECT cm.character_id FROM chat_member cm WHERE cm.chat_id = c.id
        ORDER BY cm.position) AS member_ids`;

/**
 * SQL condition on `c` (chat) for a fixed statement text: owned by the user in `userParam`, or,
 * when that is null, by the guest session in `sessionParam`. The same rule as a guest's chats
 * moving to the account that signs in: a user never owns a chat that still has a session.
 */
export const ownedBy = (userParam: string, sessionParam: string): string =>
  `(CASE WHEN ${userParam}::uuid IS NOT NULL
     THEN c.user_id = ${userParam}::uuid AND c.anon_session_id IS NULL
     ELSE c.anon_session_id = ${sessionParam}::uuid END)`;

/** The values of `ownedBy`'s two parameters. */
export const ownerParams = (owner: ChatOwner): [string | null, string | null] =>
  'userId' in owner ? [owner.userId, null] : [null, owner.anonSession];

/** A chat row (CHAT_COLUMNS) as its entity with its members. */
export const toChat = (row: Row): ChatWithMembers => ({
  id: row.id as string,
  userId: row.user_id as string,
  characterId: row.character_id as string,
  kind: row.kind as ChatKind,
  memberIds: row.member_ids as string[],
  personaName: row.persona_name as string | null,
  personaDescription: row.persona_description as string | null,
  anonSessionId: row.anon_session_id as string | null,
  title: row.title as string | null,
  language: row.language as Language,
  summary: row.summary as string | null,
  summarizedThroughId: row.summarized_through_id as string | null,
  messageCount: row.message_count as number,
  createdAt: row.created_at as Date,
  updatedAt: row.updated_at as Date,
});
