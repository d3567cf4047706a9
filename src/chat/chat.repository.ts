import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Language } from '../common/languages.js';
import { PreparedStatements } from '../database/prepared-statement.js';
import type { MessageEntity, MessageRole } from './entities/message.entity.js';
import { CHAT_COLUMNS, type ChatOwner, type ChatWithMembers, toChat } from './chat-rows.js';
import { LIVE_GENERATION } from './generation.repository.js';
import { deleteInBatches } from '../database/delete-in-batches.js';

export type { ChatOwner, ChatWithMembers };

/** A chat to open: an account's, or a guest session's (under the anonymous system user). */
export interface NewChat {
  userId: string;
  anonSessionId: string | null;
  characterId: string;
  personaName: string | null;
  personaDescription: string | null;
  language: Language;
}

/** A group chat to open: a signed-in user's, with its members in speaking order. */
export interface NewGroupChat {
  userId: string;
  memberIds: readonly string[];
  title: string | null;
  personaName: string | null;
  personaDescription: string | null;
  language: Language;
}

/** The message a chat opens with: a character's greeting. */
export interface OpeningMessage {
  characterId: string;
  content: string;
}

export interface ChatState {
  chat: ChatWithMembers;
  /** A live reply is being written in it (on any instance). */
  generating: boolean;
}

export interface ChatListRow extends ChatState {
  lastMessage: MessageEntity | null;
}

/** A message as the model sees it. */
export interface ContextMessage {
  id: number;
  role: MessageRole;
  /** Who spoke: null for the user (and for a character that no longer exists). */
  characterId: string | null;
  content: string;
  /** The server's rolls for the [ROLL] tags of a GM reply, reported on the next turn. */
  diceRolls?: unknown;
}

/** Where a chat's summary stands: what it says, and the last message it covers. */
export interface SummaryState {
  summary: string | null;
  summarizedThroughId: number | null;
  language: Language;
}

/** A message the summary does not cover yet. */
export interface UnsummarizedMessage {
  id: number;
  role: MessageRole;
  characterId: string | null;
  content: string;
}

type Row = Record<string, unknown>;

const MESSAGE_COLUMNS = `id, chat_id, role, character_id, content, status, model_used,
  prompt_tokens, completion_tokens, dice_rolls, encounter_state, lorebook_entries, created_at`;

/** `prefix` selects aliased columns (`m_id`, `m_role`...) of a joined message. */
const toMessage = (row: Row, prefix = ''): MessageEntity => ({
  id: String(row[`${prefix}id`]),
  chatId: row[`${prefix}chat_id`] as string,
  role: row[`${prefix}role`] as MessageRole,
  characterId: row[`${prefix}character_id`] as string | null,
  content: row[`${prefix}content`] as string,
  status: row[`${prefix}status`] as MessageEntity['status'],
  modelUsed: row[`${prefix}model_used`] as string | null,
  promptTokens: row[`${prefix}prompt_tokens`] as number | null,
  completionTokens: row[`${prefix}completion_tokens`] as number | null,
  diceRolls: row[`${prefix}dice_rolls`] as MessageEntity['diceRolls'],
  encounterState: row[`${prefix}encounter_state`] as MessageEntity['encounterState'],
  lorebookEntries: row[`${prefix}lorebook_entries`] as MessageEntity['lorebookEntries'],
  createdAt: row[`${prefix}created_at`] as Date,
});

/** Which index-friendly condition selects an owner's chats. */
const ownerFilter = (owner: ChatOwner): { sql: string; value: string } =>
  'userId' in owner
    ? { sql: 'c.user_id = $1 AND c.anon_session_id IS NULL', value: owner.userId }
    : { sql: 'c.anon_session_id = $1', value: owner.anonSession };

/** Every query on chat and message (the in-flight reply rows: GenerationRepository). */
@Injectable()
export class ChatRepository {
  /** Statements of every chat request and reply: prepared (see PreparedStatement). */
  private readonly prepared: PreparedStatements;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.prepared = new PreparedStatements(dataSource);
  }

  async findById(id: string): Promise<ChatState | null> {
    const [row] = await this.prepared.query<Row[]>(
      'chat_by_id',
      `SELECT ${CHAT_COLUMNS}, g.chat_id IS NOT NULL AS generating
       FROM chat c LEFT JOIN chat_generation g ON g.chat_id = c.id AND ${LIVE_GENERATION}
       WHERE c.id = $1`,
      [id],
    );
    return row ? { chat: toChat(row), generating: row.generating as boolean } : null;
  }

  /**
   * The owner's latest direct chat with the character unless `forceNew`, else a new one opened
   * by `greeting` (when the character has one). A per-owner-and-character advisory lock makes
   * "find or create" one step, so a double click does not open two chats.
   */
  async findOrCreate(
    chat: NewChat,
    greeting: string | null,
    forceNew: boolean,
  ): Promise<{ chat: ChatWithMembers; created: boolean }> {
    const owner: ChatOwner = chat.anonSessionId
      ? { anonSession: chat.anonSessionId }
      : { userId: chat.userId };
    return this.dataSource.transaction(async (manager) => {
      if (!forceNew) {
        const filter = ownerFilter(owner);
        await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
          `chat:${filter.value}:${chat.characterId}`,
        ]);
        const [existing] = await manager.query<Row[]>(
          `SELECT ${CHAT_COLUMNS} FROM chat c
           WHERE ${filter.sql} AND c.character_id = $2 AND c.kind = 'direct'
           ORDER BY c.updated_at DESC LIMIT 1`,
          [filter.value, chat.characterId],
        );
        if (existing) return { chat: toChat(existing), created: false };
      }
      const [created] = await manager.query<Row[]>(
        `WITH c AS (
           INSERT INTO chat (user_id, anon_session_id, character_id, kind, persona_name,
                             persona_description, language, message_count)
           VALUES ($1, $2, $3, 'direct', $4, $5, $6, $7) RETURNING *),
         member AS (INSERT INTO chat_member (chat_id, position, character_id)
                    SELECT id, 0, character_id FROM c),
         opening AS (INSERT INTO message (chat_id, role, character_id, content)
                     SELECT id, 'assistant', character_id, $8::text FROM c WHERE $8::text IS NOT NULL)
         SELECT c.*, ARRAY[c.character_id] AS member_ids FROM c`,
        [
          chat.userId,
          chat.anonSessionId,
          chat.characterId,
          chat.personaName,
          chat.personaDescription,
          chat.language,
          greeting ? 1 : 0,
          greeting,
        ],
      );
      return { chat: toChat(created), created: true };
    });
  }

  /** Opens a group chat with its members (in `memberIds` order) and opening, in one statement. */
  async createGroup(chat: NewGroupChat, opening: OpeningMessage | null): Promise<ChatWithMembers> {
    const [created] = await this.dataSource.query<Row[]>(
      `WITH c AS (
         INSERT INTO chat (user_id, character_id, kind, title, persona_name, persona_description,
                           language, message_count)
         VALUES ($1, ($2::uuid[])[1], 'group', $3, $4, $5, $6, $7) RETURNING *),
       members AS (
         INSERT INTO chat_member (chat_id, position, character_id)
         SELECT c.id, m.position - 1, m.character_id
         FROM c, unnest($2::uuid[]) WITH ORDINALITY AS m (character_id, position)),
       opening AS (INSERT INTO message (chat_id, role, character_id, content)
                   SELECT id, 'assistant', $8::uuid, $9::text FROM c WHERE $9::text IS NOT NULL)
       SELECT c.*, $2::uuid[] AS member_ids FROM c`,
      [
        chat.userId,
        chat.memberIds,
        chat.title,
        chat.personaName,
        chat.personaDescription,
        chat.language,
        opening ? 1 : 0,
        opening?.characterId ?? null,
        opening?.content ?? null,
      ],
    );
    return toChat(created);
  }

  /**
   * One page of the owner's chats (only group chats with `groupsOnly`), latest activity
   * first, each with its last message.
   */
  async list(
    owner: ChatOwner,
    offset: number,
    limit: number,
    groupsOnly = false,
  ): Promise<ChatListRow[]> {
    const filter = ownerFilter(owner);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${CHAT_COLUMNS}, g.chat_id IS NOT NULL AS generating,
              m.id AS m_id, m.chat_id AS m_chat_id, m.role AS m_role,
              m.character_id AS m_character_id, m.content AS m_content,
              m.status AS m_status, m.model_used AS m_model_used,
              m.prompt_tokens AS m_prompt_tokens, m.completion_tokens AS m_completion_tokens,
              m.dice_rolls AS m_dice_rolls, m.encounter_state AS m_encounter_state,
              m.lorebook_entries AS m_lorebook_entries, m.created_at AS m_created_at
       FROM chat c
       LEFT JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS} FROM message WHERE chat_id = c.id ORDER BY id DESC LIMIT 1
       ) m ON true
       LEFT JOIN chat_generation g ON g.chat_id = c.id AND ${LIVE_GENERATION}
       WHERE ${filter.sql} AND (NOT $4::boolean OR c.kind = 'group')
       ORDER BY c.updated_at DESC, c.id DESC
       OFFSET $2 LIMIT $3`,
      [filter.value, offset, limit, groupsOnly],
    );
    return rows.map((row) => ({
      chat: toChat(row),
      generating: row.generating as boolean,
      lastMessage: row.m_id === null ? null : toMessage(row, 'm_'),
    }));
  }

  /** `limit` messages before `beforeId` (or the latest), newest first. */
  async messages(chatId: string, limit: number, beforeId?: number): Promise<MessageEntity[]> {
    // Two statements rather than `$2 IS NULL OR id < $2`, which would keep the planner from
    // starting the index scan at the cursor.
    const rows =
      beforeId === undefined
        ? await this.dataSource.query<Row[]>(
            `SELECT ${MESSAGE_COLUMNS} FROM message WHERE chat_id = $1 ORDER BY id DESC LIMIT $2`,
            [chatId, limit],
          )
        : await this.dataSource.query<Row[]>(
            `SELECT ${MESSAGE_COLUMNS} FROM message WHERE chat_id = $1 AND id < $3
             ORDER BY id DESC LIMIT $2`,
            [chatId, limit, beforeId],
          );
    return rows.map((row) => toMessage(row));
  }

  /**
   * The latest `limit` messages up to and including `uptoId`, oldest first; only those after
   * `afterId` (the summary covers the earlier ones).
   */
  async contextMessages(
    chatId: string,
    uptoId: number,
    limit: number,
    afterId: number | string | null = null,
  ): Promise<ContextMessage[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        role: MessageRole;
        character_id: string | null;
        content: string;
        dice_rolls: unknown;
      }>
    >(
      `SELECT id, role, character_id, content, dice_rolls FROM message
       WHERE chat_id = $1 AND id <= $2 AND id > $4
       ORDER BY id DESC LIMIT $3`,
      [chatId, uptoId, limit, afterId ?? 0],
    );
    return rows.reverse().map(({ id, role, character_id, content, dice_rolls }) => ({
      id: Number(id),
      role,
      characterId: character_id,
      content,
      diceRolls: dice_rolls,
    }));
  }

  /** The chat's summary and where it ends; null once the chat is gone. */
  async summaryState(chatId: string): Promise<SummaryState | null> {
    const [row] = await this.dataSource.query<
      Array<{ summary: string | null; summarized_through_id: string | null; language: Language }>
    >(`SELECT summary, summarized_through_id, language FROM chat WHERE id = $1`, [chatId]);
    if (!row) return null;
    return {
      summary: row.summary,
      summarizedThroughId:
        row.summarized_through_id === null ? null : Number(row.summarized_through_id),
      language: row.language,
    };
  }

  /** How many messages the summary does not cover yet, and the oldest `limit` of them. */
  async unsummarizedMessages(
    chatId: string,
    afterId: number | null,
    limit: number,
  ): Promise<{ total: number; oldest: UnsummarizedMessage[] }> {
    const [row] = await this.dataSource.query<
      Array<{ total: number; oldest: Array<UnsummarizedMessage & { id: string }> }>
    >(
      `SELECT (SELECT count(*)::int FROM message WHERE chat_id = $1 AND id > $2) AS total,
              (SELECT coalesce(json_agg(json_build_object('id', m.id, 'role', m.role,
                                                          'characterId', m.character_id,
                                                          'content', m.content) ORDER BY m.id),
                               '[]')
               FROM (SELECT id, role, character_id, content FROM message
                     WHERE chat_id = $1 AND id > $2
                     ORDER BY id LIMIT $3) m) AS oldest`,
      [chatId, afterId ?? 0, limit],
    );
    return {
      total: row.total,
      oldest: row.oldest.map((message) => ({ ...message, id: Number(message.id) })),
    };
  }

  /**
   * Stores the new summary; a no-op (false) when the boundary moved meanwhile: of two
   * summaries of the same messages written at once (two instances), only the first is kept.
   */
  async saveSummary(
    chatId: string,
    summary: string,
    throughId: number,
    previousThroughId: number | null,
  ): Promise<boolean> {
    const [, updated] = (await this.dataSource.query(
      `UPDATE chat SET summary = $2, summarized_through_id = $3
       WHERE id = $1 AND summarized_through_id IS NOT DISTINCT FROM $4::bigint`,
      [chatId, summary, throughId, previousThroughId],
    )) as [unknown, number];
    return updated > 0;
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM chat WHERE id = $1`, [id]);
  }

  /**
   * Guest chats idle (no message) for `days`, with their messages, `batch` chats per
   * statement (ix_chat_guest_idle) so a backlog is never one long transaction.
   */
  async deleteIdleGuestChats(days: number, batch: number): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM chat WHERE id IN (
         SELECT id FROM chat
         WHERE anon_session_id IS NOT NULL AND updated_at < now() - make_interval(days => $1)
         LIMIT $2)`,
      [days],
      batch,
    );
  }

  /** Hands a guest session's chats over to the account it signed in to. */
  async adoptGuestChats(anonSession: string, userId: string): Promise<number> {
    const [, moved] = (await this.dataSource.query(
      `UPDATE chat SET user_id = $2, anon_session_id = NULL WHERE anon_session_id = $1`,
      [anonSession, userId],
    )) as [unknown, number];
    return moved;
  }

  /** Messages in all chats but those of the given users (from the per-chat counters). */
  async countMessages(excludedUserIds: string[]): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ total: string }>>(
      `SELECT COALESCE(sum(message_count), 0) AS total FROM chat WHERE user_id <> ALL($1::uuid[])`,
      [excludedUserIds],
    );
    return Number(row.total);
  }
}
