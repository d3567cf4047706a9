import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Language } from '../common/languages.js';
import { type ChatWithMembers, toChat } from './chat-rows.js';
import type { ChatSettings } from './entities/chat.entity.js';
import type { MessageRole, MessageStatus } from './entities/message.entity.js';

/** Messages read per statement of an export: bounded work (and memory in pg) per round trip. */
const EXPORT_BATCH = 1000;
/** How long the one statement of an import may take (a request's own timeout is 5 s). */
const IMPORT_STATEMENT_TIMEOUT_MS = 60_000;

/** One alternative at a place of the active path (a sibling of the message on it, or it). */
export interface ExportedAlternative {
  id: string;
  content: string;
  createdAt: Date;
}

/** A message of the active path with every alternative at its place, oldest first. */
export interface ExportedPathMessage {
  id: string;
  role: MessageRole;
  characterId: string | null;
  content: string;
  createdAt: Date;
  alternatives: ExportedAlternative[];
}

/** A message of the whole tree. */
export interface ExportedTreeMessage {
  id: string;
  parentId: string | null;
  active: boolean;
  role: MessageRole;
  characterId: string | null;
  content: string;
  status: MessageStatus;
  createdAt: Date;
  editedAt: Date | null;
}

/** A chat to import: a signed-in user's direct chat with one of their characters. */
export interface ImportedChatRow {
  userId: string;
  characterId: string;
  personaName: string | null;
  language: Language;
  createdAt: Date | null;
  /** Its settings to start with (the owner's preferences), as a new chat's. */
  settings: ChatSettings;
}

/** One message to import: its place on the path (from 1), and whether the path goes through it. */
export interface ImportedMessageRow {
  line: number;
  role: MessageRole;
  content: string;
  createdAt: Date | null;
  active: boolean;
}

type Row = Record<string, unknown>;

/**
 * A chat's messages read for export, in one snapshot, and an imported chat written in one
 * statement.
 */
@Injectable()
export class ChatTransferRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The active path, root first, each message with its alternatives (its siblings and itself,
   * by id). Read in batches inside one REPEATABLE READ transaction: a change made meanwhile is
   * either all in or all out.
   */
  exportPath(chatId: string): Promise<ExportedPathMessage[]> {
    return this.snapshot(async (manager) => {
      const ids = await activePathIds(manager, chatId);
      const messages: ExportedPathMessage[] = [];
      for (let start = 0; start < ids.length; start += EXPORT_BATCH) {
        const rows = await manager.query<Row[]>(
          `SELECT m.id, m.role, m.character_id, m.content, m.created_at,
             CASE WHEN m.parent_id IS NULL
               THEN (SELECT jsonb_agg(jsonb_build_object('id', s.id, 'content', s.content,
                                                         'created_at', s.created_at) ORDER BY s.id)
                     FROM message s WHERE s.chat_id = m.chat_id AND s.parent_id IS NULL)
               ELSE (SELECT jsonb_agg(jsonb_build_object('id', s.id, 'content', s.content,
                                                         'created_at', s.created_at) ORDER BY s.id)
                     FROM message s WHERE s.parent_id = m.parent_id) END AS alternatives
           FROM unnest($1::bigint[]) WITH ORDINALITY AS p (id, n) JOIN message m ON m.id = p.id
           ORDER BY p.n`,
          [ids.slice(start, start + EXPORT_BATCH)],
        );
        for (const row of rows) {
          messages.push({
            id: String(row.id),
            role: row.role as MessageRole,
            characterId: row.character_id as string | null,
            content: row.content as string,
            createdAt: row.created_at as Date,
            alternatives: (
              row.alternatives as Array<{ id: number; content: string; created_at: string }>
            ).map((alternative) => ({
              id: String(alternative.id),
              content: alternative.content,
              createdAt: new Date(alternative.created_at),
            })),
          });
        }
      }
      return messages;
    });
  }

  /** Every message of the chat by id (a parent before its children), in one snapshot. */
  exportTree(chatId: string): Promise<ExportedTreeMessage[]> {
    return this.snapshot(async (manager) => {
      const active = new Set(await activePathIds(manager, chatId));
      const messages: ExportedTreeMessage[] = [];
      let after = '0';
      for (;;) {
        // ix_message_chat_recent, read upwards from the last id seen.
        const rows = await manager.query<Row[]>(
          `SELECT id, parent_id, role, character_id, content, status, created_at, edited_at
           FROM message WHERE chat_id = $1 AND id > $2::bigint ORDER BY id LIMIT $3`,
          [chatId, after, EXPORT_BATCH],
        );
        for (const row of rows) {
          const id = String(row.id);
          messages.push({
            id,
            parentId: row.parent_id === null ? null : String(row.parent_id),
            active: active.has(id),
            role: row.role as MessageRole,
            characterId: row.character_id as string | null,
            content: row.content as string,
            status: row.status as MessageStatus,
            createdAt: row.created_at as Date,
            editedAt: row.edited_at as Date | null,
          });
        }
        if (rows.length < EXPORT_BATCH) return messages;
        after = messages[messages.length - 1].id;
      }
    });
  }

  /**
   * A new direct chat with the imported messages, in one statement. Each message follows the
   * one shown on the line before it (so alternatives are siblings), the one shown on the last
   * line is the leaf. Ids are drawn in line order, so a parent's id is below its children's;
   * the chat row names its leaf by an id drawn in the same statement, as a new chat names its
   * opening (no row is updated, so the drawn ids are taken once: see appendToPath).
   */
  async importChat(
    chat: ImportedChatRow,
    messages: ImportedMessageRow[],
  ): Promise<ChatWithMembers> {
    const lines = messages.reduce((last, message) => Math.max(last, message.line), 0);
    const [created] = await this.dataSource.transaction(async (manager) => {
      // The largest import allowed writes 50,000 rows (each with its foreign keys checked):
      // seconds on a busy server, past the statement timeout of requests.
      await manager.query(`SET LOCAL statement_timeout = ${IMPORT_STATEMENT_TIMEOUT_MS}`);
      return manager.query<Row[]>(
        `WITH drawn AS (
           SELECT nextval(pg_get_serial_sequence('message', 'id')) AS id, r.line, r.role, r.content,
                  r.created_at, r.active
           FROM (SELECT * FROM unnest($6::int[], $7::text[], $8::text[], $9::timestamptz[],
                                      $10::boolean[])
                          WITH ORDINALITY AS r (line, role, content, created_at, active, n)
                 ORDER BY n) r),
         shown AS (SELECT line, id FROM drawn WHERE active),
         c AS (
           INSERT INTO chat (user_id, character_id, kind, persona_name, language, message_count,
                             leaf_id, created_at, settings)
           VALUES ($1, $2, 'direct', $3, $4, $11, (SELECT id FROM shown WHERE line = $11),
                   COALESCE($5::timestamptz, now()), $12::jsonb)
           RETURNING *),
         member AS (INSERT INTO chat_member (chat_id, position, character_id)
                    SELECT id, 0, character_id FROM c),
         inserted AS (
           INSERT INTO message (id, chat_id, parent_id, active_child_id, depth, role, character_id,
                                content, created_at)
           OVERRIDING SYSTEM VALUE
           SELECT d.id, c.id, up.id, CASE WHEN d.active THEN down.id END, d.line, d.role,
                  CASE WHEN d.role = 'assistant' THEN c.character_id END, d.content,
                  COALESCE(d.created_at, now())
           FROM drawn d CROSS JOIN c
           LEFT JOIN shown up ON up.line = d.line - 1
           LEFT JOIN shown down ON down.line = d.line + 1
           ORDER BY d.id)
         SELECT c.*, ARRAY[c.character_id] AS member_ids FROM c`,
        [
          chat.userId,
          chat.characterId,
          chat.personaName,
          chat.language,
          chat.createdAt,
          messages.map((message) => message.line),
          messages.map((message) => message.role),
          messages.map((message) => message.content),
          messages.map((message) => message.createdAt),
          messages.map((message) => message.active),
          lines,
          JSON.stringify(chat.settings),
        ],
      );
    });
    return toChat(created);
  }

  private snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return work(manager);
    });
  }
}

/** The active path's ids, root first (a parent's id is below its children's). */
async function activePathIds(manager: EntityManager, chatId: string): Promise<string[]> {
  const [row] = await manager.query<Array<{ ids: string[] | null }>>(
    `WITH RECURSIVE up AS (
       SELECT m.id, m.parent_id FROM chat c JOIN message m ON m.id = c.leaf_id WHERE c.id = $1
       UNION ALL
       SELECT m.id, m.parent_id FROM up JOIN message m ON m.id = up.parent_id)
     SELECT array_agg(id ORDER BY id)::text[] AS ids FROM up`,
    [chatId],
  );
  return row.ids ?? [];
}
