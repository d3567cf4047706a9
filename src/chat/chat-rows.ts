import type { Language } from '../common/languages.js';
import type { ChatEntity, ChatKind, ChatSettings } from './entities/chat.entity.js';
import type { MessageEntity, MessageRole } from './entities/message.entity.js';

/** Who owns a chat: a user, or a guest session (its chats belong to the anonymous user). */
export type ChatOwner = { userId: string } | { anonSession: string };

type Row = Record<string, unknown>;

/** A chat with its members' ids in speaking order (chat_member); the first is the lead. */
export interface ChatWithMembers extends Omit<
  ChatEntity,
  'summaryEditedAt' | 'proactiveAfterHours'
> {
  memberIds: string[];
  /** The members who sit rounds out unless named to speak, in speaking order. */
  mutedIds: string[];
  /** The notes the user pinned to the chat, in order (every prompt carries them). */
  pinnedNotes?: Array<{ id: number; text: string }>;
}

/** The columns `toChat` reads, from `c` (chat): its members come along (pk_chat_member). */
export const CHAT_COLUMNS = `c.id, c.user_id, c.character_id, c.kind, c.persona_name,
  c.persona_description, c.anon_session_id, c.title, c.language, c.summary,
  c.summarized_through_id, c.leaf_id, c.message_count, c.settings, c.created_at, c.updated_at,
  ARRAY(SELECT cm.character_id FROM chat_member cm WHERE cm.chat_id = c.id
        ORDER BY cm.position) AS member_ids,
  ARRAY(SELECT cm.character_id FROM chat_member cm WHERE cm.chat_id = c.id AND cm.muted
        ORDER BY cm.position) AS muted_ids,
  (SELECT json_agg(json_build_object('id', n.id, 'text', n.text) ORDER BY n.position, n.id)
   FROM chat_note n WHERE n.chat_id = c.id) AS pinned_notes`;

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
  // A chat just created (RETURNING *) has no muted member yet.
  mutedIds: (row.muted_ids as string[] | undefined) ?? [],
  pinnedNotes: (
    (row.pinned_notes as Array<{ id: string; text: string }> | null | undefined) ?? []
  ).map((note) => ({ id: Number(note.id), text: note.text })),
  personaName: row.persona_name as string | null,
  personaDescription: row.persona_description as string | null,
  anonSessionId: row.anon_session_id as string | null,
  title: row.title as string | null,
  language: row.language as Language,
  summary: row.summary as string | null,
  summarizedThroughId: row.summarized_through_id as string | null,
  leafId: row.leaf_id === null ? null : String(row.leaf_id),
  messageCount: row.message_count as number,
  settings: (row.settings as ChatSettings | undefined) ?? {},
  createdAt: row.created_at as Date,
  updatedAt: row.updated_at as Date,
});

/** A message of the active path, with its place among its siblings (alternative replies). */
export interface PathMessage extends MessageEntity {
  alternativeIndex: number;
  alternativeCount: number;
}

/** The columns `toMessage` reads, from a message row. */
export const MESSAGE_COLUMNS = `id, chat_id, parent_id, active_child_id, depth, role, character_id,
  content, tokens, status, model_used, prompt_tokens, completion_tokens, dice_rolls, encounter_state,
  lorebook_entries, memory_used, edited_at, proactive, created_at`;

const idOf = (value: unknown): string | null => (value === null ? null : String(value));

/** `prefix` selects aliased columns (`m_id`, `m_role`...) of a joined message. */
export const toMessage = (row: Row, prefix = ''): PathMessage => ({
  id: String(row[`${prefix}id`]),
  chatId: row[`${prefix}chat_id`] as string,
  parentId: idOf(row[`${prefix}parent_id`]),
  activeChildId: idOf(row[`${prefix}active_child_id`]),
  depth: row[`${prefix}depth`] as number,
  role: row[`${prefix}role`] as MessageRole,
  characterId: row[`${prefix}character_id`] as string | null,
  content: row[`${prefix}content`] as string,
  tokens: (row[`${prefix}tokens`] as number | null | undefined) ?? null,
  status: row[`${prefix}status`] as MessageEntity['status'],
  modelUsed: row[`${prefix}model_used`] as string | null,
  promptTokens: row[`${prefix}prompt_tokens`] as number | null,
  completionTokens: row[`${prefix}completion_tokens`] as number | null,
  diceRolls: row[`${prefix}dice_rolls`] as MessageEntity['diceRolls'],
  encounterState: row[`${prefix}encounter_state`] as MessageEntity['encounterState'],
  lorebookEntries: row[`${prefix}lorebook_entries`] as MessageEntity['lorebookEntries'],
  memoryUsed: (row[`${prefix}memory_used`] as MessageEntity['memoryUsed'] | undefined) ?? null,
  editedAt: row[`${prefix}edited_at`] as Date | null,
  proactive: (row[`${prefix}proactive`] as boolean | undefined) ?? false,
  createdAt: row[`${prefix}created_at`] as Date,
  alternativeIndex: (row[`${prefix}alternative_index`] as number | undefined) ?? 0,
  alternativeCount: (row[`${prefix}alternative_count`] as number | undefined) ?? 1,
});
