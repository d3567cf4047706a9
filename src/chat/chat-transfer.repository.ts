import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Language } from '../common/languages.js';
import { type ChatWithMembers, toChat } from './chat-rows.js';
import type { ChatSettings } from './entities/chat.entity.js';
import type { MessageRole, MessageStatus } from './entities/message.entity.js';

/** Messages read per statement of an export: bounded work and memory, here and in pg, per step. */
const EXPORT_BATCH = 1000;
/** How long the one statement of an import may take (a request's own timeout is 5 s). */
const IMPORT_STATEMENT_TIMEOUT_MS = 60_000;
/** How long one batch of an export may take. */
const EXPORT_STATEMENT_TIMEOUT_MS = 60_000;

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
 * A chat's messages read for export, batch by batch from one snapshot, and an imported chat
 * written in one statement.
 */
@Injectable()
export class ChatTransferRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The active path, root first, each message with its alternatives (its siblings and itself,
   * by id), in batches read inside one REPEATABLE READ snapshot: a change made meanwhile is
   * either all in or all out. The snapshot (and its pooled connection) is held until the last
   * batch is taken or the reader stops early.
   */
  exportPath(chatId: string): AsyncGenerator<ExportedPathMessage[]> {
    return this.inSnapshot(async function* (manager) {
      const ids = await activePathIds(manager, chatId);
      for (let start = 0; start < ids.length; start += EXPORT_BATCH) {
        const rows = await manager.query<Row[]>(
          // The message itself among its alternatives without its text (it is in the row
          // already): most messages have no other, so a batch reads each text once.
          `SELECT m.id, m.role, m.character_id, m.content, m.created_at,
             CASE WHEN m.parent_id IS NULL
               THEN (SELECT jsonb_agg(jsonb_build_object(
                              'id', s.id, 'content', CASE WHEN s.id <> m.id THEN s.content END,
                              'created_at', s.created_at) ORDER BY s.id)
                     FROM message s WHERE s.chat_id = m.chat_id AND s.parent_id IS NULL)
               ELSE (SELECT jsonb_agg(jsonb_build_object(
                              'id', s.id, 'content', CASE WHEN s.id <> m.id THEN s.content END,
                              'created_at', s.created_at) ORDER BY s.id)
                     FROM message s WHERE s.parent_id = m.parent_id) END AS alternatives
           FROM unnest($1::bigint[]) WITH ORDINALITY AS p (id, n) JOIN message m ON m.id = p.id
           ORDER BY p.n`,
          [ids.slice(start, start + EXPORT_BATCH)],
        );
        yield rows.map((row) => ({
          id: String(row.id),
          role: row.role as MessageRole,
          characterId: row.character_id as string | null,
          content: row.content as string,
          createdAt: row.created_at as Date,
          alternatives: (
            row.alternatives as Array<{ id: number; content: string | null; created_at: string }>
          ).map((alternative) => ({
            id: String(alternative.id),
            content: alternative.content ?? (row.content as string),
            createdAt: new Date(alternative.created_at),
          })),
        }));
      }
    });
  }

  /**
   * Every message of the chat by id (a parent before its children), in batches from one
   * snapshot, as exportPath.
   */
  exportTree(chatId: string): AsyncGenerator<ExportedTreeMessage[]> {
    return this.inSnapshot(async function* (manager) {
      const active = new Set(await activePathIds(manager, chatId));
      let after = '0';
      for (;;) {
        // ix_message_chat_recent, read upwards from the last id seen.
        const rows = await manager.query<Row[]>(
          `SELECT id, parent_id, role, character_id, content, status, created_at, edited_at
           FROM message WHERE chat_id = $1 AND id > $2::bigint ORDER BY id LIMIT $3`,
          [chatId, after, EXPORT_BATCH],
        );
        if (rows.length > 0) {
          after = String(rows[rows.length - 1].id);
          yield rows.map((row) => ({
            id: String(row.id),
            parentId: row.parent_id === null ? null : String(row.parent_id),
            active: active.has(String(row.id)),
            role: row.role as MessageRole,
            characterId: row.character_id as string | null,
            content: row.content as string,
            status: row.status as MessageStatus,
            createdAt: row.created_at as Date,
            editedAt: row.edited_at as Date | null,
          }));
        }
        if (rows.length < EXPORT_BATCH) return;
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

  /**
   * Runs `read` in a read-only REPEATABLE READ transaction on a connection of its own, which
   * it keeps until `read` is done or its reader stops (return() ends the transaction too).
   */
  private async *inSnapshot<T>(
    read: (manager: EntityManager) => AsyncGenerator<T>,
  ): AsyncGenerator<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction('REPEATABLE READ');
      await runner.query('SET TRANSACTION READ ONLY');
      // A batch's estimate (a subquery per message) passes jit_above_cost: compiling it took
      // ~430 ms of a 480 ms batch of 1,000 path messages, running it ~50.
      await runner.query('SET LOCAL jit = off');
      // A batch of long messages (each read twice on the path: as itself and as an
      // alternative) may outlast a request's 5 s on a busy server; exports are few at once.
      await runner.query(`SET LOCAL statement_timeout = ${EXPORT_STATEMENT_TIMEOUT_MS}`);
      yield* read(runner.manager);
    } finally {
      try {
        // Read only: nothing to commit, and a broken connection has ended it already.
        if (runner.isTransactionActive) await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
    }
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
