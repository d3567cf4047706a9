import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { lockForTransaction } from '../database/transaction-lock.js';
import type { DataSource } from 'typeorm';
import type { Language } from '../common/languages.js';
import type { ChatSettings } from './entities/chat.entity.js';
import { PreparedStatements } from '../database/prepared-statement.js';
import {
  CHAT_COLUMNS,
  type ChatOwner,
  type ChatWithMembers,
  MESSAGE_COLUMNS,
  type PathMessage,
  toChat,
  toMessage,
} from './chat-rows.js';
import { ALTERNATIVES } from './message-path.js';
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
  /** Its settings to start with (the owner's preferences). */
  settings: ChatSettings;
}

/** A group chat to open: a signed-in user's, with its members in speaking order. */
export interface NewGroupChat {
  userId: string;
  memberIds: readonly string[];
  title: string | null;
  personaName: string | null;
  personaDescription: string | null;
  language: Language;
  settings: ChatSettings;
}

/**
 * What a chat opens with: a character's greetings (its greeting and alternate greetings, the
 * roots of the chat's tree) and the one the chat starts from.
 */
export interface Openings {
  characterId: string;
  greetings: string[];
  chosen: number;
}

export interface ChatState {
  chat: ChatWithMembers;
  /** A live reply is being written in it (on any instance). */
  generating: boolean;
}

export interface ChatListRow extends ChatState {
  lastMessage: PathMessage | null;
}

/** Where a chat's summary stands: what it says, and the last message it covers. */
export interface SummaryState {
  summary: string | null;
  /** The user wrote the summary (the memory panel): the summarizer keeps what it says. */
  editedByUser: boolean;
  summarizedThroughId: number | null;
  language: Language;
}

type Row = Record<string, unknown>;

/** Which index-friendly condition selects an owner's chats. */
export const ownerFilter = (owner: ChatOwner): { sql: string; value: string } =>
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
   * by the character's greetings (when it has any). A per-owner-and-character advisory lock makes
   * "find or create" one step, so a double click does not open two chats.
   */
  async findOrCreate(
    chat: NewChat,
    openings: Openings | null,
    forceNew: boolean,
  ): Promise<{ chat: ChatWithMembers; created: boolean }> {
    const owner: ChatOwner = chat.anonSessionId
      ? { anonSession: chat.anonSessionId }
      : { userId: chat.userId };
    return this.dataSource.transaction(async (manager) => {
      if (!forceNew) {
        const filter = ownerFilter(owner);
        await lockForTransaction(manager, `chat:${filter.value}:${chat.characterId}`);
        const [existing] = await manager.query<Row[]>(
          `SELECT ${CHAT_COLUMNS} FROM chat c
           WHERE ${filter.sql} AND c.character_id = $2 AND c.kind = 'direct'
           ORDER BY c.updated_at DESC LIMIT 1`,
          [filter.value, chat.characterId],
        );
        if (existing) return { chat: toChat(existing), created: false };
      }
      const [created] = await manager.query<Row[]>(
        `WITH ${OPENINGS},
         c AS (
           INSERT INTO chat (user_id, anon_session_id, character_id, kind, persona_name,
                             persona_description, language, message_count, leaf_id, settings)
           VALUES ($1, $2, $3, 'direct', $4, $5, $6, least(cardinality($7::text[]), 1),
                   (SELECT id FROM openings WHERE n = $8 + 1), $9::jsonb)
           RETURNING *),
         member AS (INSERT INTO chat_member (chat_id, position, character_id)
                    SELECT id, 0, character_id FROM c),
         ${OPENING_ROWS('$3::uuid')}
         SELECT c.*, ARRAY[c.character_id] AS member_ids FROM c`,
        [
          chat.userId,
          chat.anonSessionId,
          chat.characterId,
          chat.personaName,
          chat.personaDescription,
          chat.language,
          openings?.greetings ?? [],
          openings?.chosen ?? 0,
          JSON.stringify(chat.settings),
        ],
      );
      return { chat: toChat(created), created: true };
    });
  }

  /** Opens a group chat with its members (in `memberIds` order) and openings, in one statement. */
  async createGroup(chat: NewGroupChat, openings: Openings | null): Promise<ChatWithMembers> {
    const [created] = await this.dataSource.query<Row[]>(
      `WITH ${OPENINGS},
       c AS (
         INSERT INTO chat (user_id, character_id, kind, title, persona_name, persona_description,
                           language, message_count, leaf_id, settings)
         VALUES ($1, ($2::uuid[])[1], 'group', $3, $4, $5, $6, least(cardinality($7::text[]), 1),
                 (SELECT id FROM openings WHERE n = $8 + 1), $10::jsonb)
         RETURNING *),
       members AS (
         INSERT INTO chat_member (chat_id, position, character_id)
         SELECT c.id, m.position - 1, m.character_id
         FROM c, unnest($2::uuid[]) WITH ORDINALITY AS m (character_id, position)),
       ${OPENING_ROWS('$9::uuid')}
       SELECT c.*, $2::uuid[] AS member_ids FROM c`,
      [
        chat.userId,
        chat.memberIds,
        chat.title,
        chat.personaName,
        chat.personaDescription,
        chat.language,
        openings?.greetings ?? [],
        openings?.chosen ?? 0,
        openings?.characterId ?? null,
        JSON.stringify(chat.settings),
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
      `SELECT ${CHAT_COLUMNS}, g.chat_id IS NOT NULL AS generating, to_jsonb(m) AS last_message
       FROM chat c
       -- The end of the active path is the last message.
       LEFT JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS}, ${ALTERNATIVES} FROM message p WHERE p.id = c.leaf_id
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
      lastMessage: row.last_message === null ? null : lastMessageOf(row.last_message as Row),
    }));
  }

  async summaryState(chatId: string): Promise<SummaryState | null> {
    const [row] = await this.dataSource.query<
      Array<{
        summary: string | null;
        summarized_through_id: string | null;
        language: Language;
        edited: boolean;
      }>
    >(
      `SELECT summary, summarized_through_id, language, summary_edited_at IS NOT NULL AS edited
       FROM chat WHERE id = $1`,
      [chatId],
    );
    if (!row) return null;
    return {
      summary: row.summary,
      editedByUser: row.edited,
      summarizedThroughId:
        row.summarized_through_id === null ? null : Number(row.summarized_through_id),
      language: row.language,
    };
  }

  /**
   * Stores the new summary; a no-op (false) when the boundary or the summary it was written
   * from changed meanwhile: of two summaries of the same messages written at once (two
   * instances), only the first is kept, and a summary the user wrote while it ran stays.
   */
  async saveSummary(
    chatId: string,
    summary: string,
    throughId: number,
    previousThroughId: number | null,
    previousSummary: string | null = null,
  ): Promise<boolean> {
    const [, updated] = (await this.dataSource.query(
      `UPDATE chat SET summary = $2, summarized_through_id = $3
       WHERE id = $1 AND summarized_through_id IS NOT DISTINCT FROM $4::bigint
         AND summary IS NOT DISTINCT FROM $5::text`,
      [chatId, summary, throughId, previousThroughId, previousSummary],
    )) as [unknown, number];
    return updated > 0;
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM chat WHERE id = $1`, [id]);
  }

  /** Sets the title (null clears it); not activity, so the chat keeps its place in lists. */
  async rename(id: string, title: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE chat SET title = $2 WHERE id = $1`, [id, title]);
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

/** A message read as JSON (to_jsonb: timestamps as text, ids as numbers). */
const lastMessageOf = (row: Row): PathMessage => {
  const message = toMessage(row);
  return {
    ...message,
    createdAt: new Date(row.created_at as string),
    editedAt: row.edited_at === null ? null : new Date(row.edited_at as string),
  };
};

/**
 * The openings of a new chat (`$7`: its greetings in order, `$8`: the chosen one's index), as
 * rows with their message ids drawn ahead, so the chat row can name its leaf in the same
 * statement.
 */
const OPENINGS = `openings AS (
  SELECT nextval(pg_get_serial_sequence('message', 'id')) AS id, o.content, o.n
  FROM (SELECT content, n FROM unnest($7::text[]) WITH ORDINALITY AS g (content, n)
        ORDER BY n) o)`;

/** The openings' rows: roots of the tree, spoken by `speaker`; the chosen one is active. */
const OPENING_ROWS = (speaker: string) => `opening_rows AS (
  INSERT INTO message (id, chat_id, depth, role, character_id, content)
  OVERRIDING SYSTEM VALUE
  SELECT o.id, c.id, 1, 'assistant', ${speaker}, o.content FROM openings o, c ORDER BY o.n)`;
