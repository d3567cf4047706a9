import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Above every message id: a scan of a chat from its newest message. */
const NO_CURSOR = '9223372036854775807';

/** A chat's messages looked at by one embedding pass, newest first. */
export interface EmbeddingWindow {
  /** Messages in the window (all of them, embedded or not). */
  seen: number;
  /** The smallest id in the window: where the next, older window starts; null when empty. */
  lowestId: number | null;
  /**
   * The window's oldest message with text lacks a vector: the work may go on below it (a chat
   * older than the configuration, imported, or of another model), unlike a chat embedded as it
   * grew, whose only new messages are its newest.
   */
  reachesBack: boolean;
  /** Those without a vector of the model (blank ones never get one). */
  pending: PendingEmbedding[];
}

export interface PendingEmbedding {
  id: number;
  /** The content, cut to the length embedded. */
  text: string;
  /** md5 of the whole content when read: a vector is saved only if it still says that. */
  digest: string;
}

/** The stored embeddings of messages (`message.embedding`, `message.embedding_model`). */
@Injectable()
export class MessageEmbeddingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The chat's `size` messages below `beforeId` (null: from its newest), newest first, through
   * ix_message_chat_recent: a bounded look however long the chat, with the ones lacking a
   * vector of `model` and their text cut to `maxChars`.
   */
  async window(
    chatId: string,
    beforeId: number | null,
    size: number,
    model: string,
    maxChars: number,
  ): Promise<EmbeddingWindow> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        blank: boolean;
        pending: boolean;
        text: string | null;
        digest: string | null;
      }>
    >(
      `SELECT w.id, w.blank, w.pending,
              CASE WHEN w.pending THEN left(w.content, $5) END AS text,
              CASE WHEN w.pending THEN md5(w.content) END AS digest
       FROM (SELECT m.id, m.content, btrim(m.content) = '' AS blank,
                    m.embedding_model IS DISTINCT FROM $4 AND btrim(m.content) <> '' AS pending
             FROM message m WHERE m.chat_id = $1 AND m.id < $2::bigint
             ORDER BY m.id DESC LIMIT $3) w
       ORDER BY w.id DESC`,
      [chatId, beforeId === null ? NO_CURSOR : String(beforeId), size, model, maxChars],
    );
    return {
      seen: rows.length,
      lowestId: rows.length > 0 ? Number(rows.at(-1)!.id) : null,
      reachesBack: rows.findLast((row) => !row.blank)?.pending ?? false,
      pending: rows
        .filter((row) => row.pending)
        .map((row) => ({ id: Number(row.id), text: row.text!, digest: row.digest! })),
    };
  }

  /**
   * Stores vectors of `model`, each only if its message still has the content it was made
   * from (an edit meanwhile cleared it and wants a new one); returns how many were stored.
   */
  async save(
    model: string,
    vectors: ReadonlyArray<{ id: number; digest: string; embedding: number[] }>,
  ): Promise<number> {
    if (vectors.length === 0) return 0;
    const [{ saved }] = await this.dataSource.query<Array<{ saved: number }>>(
      `WITH saved AS (
         UPDATE message m SET embedding = v.embedding, embedding_model = $2
         FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, digest text, embedding real[])
         WHERE m.id = v.id AND md5(m.content) = v.digest
         RETURNING m.id)
       SELECT count(*)::int AS saved FROM saved`,
      [JSON.stringify(vectors), model],
    );
    return saved;
  }

  /** The vectors of `model` stored for these messages, by id (those without one are absent). */
  async vectors(messageIds: readonly number[], model: string): Promise<Map<number, number[]>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.dataSource.query<Array<{ id: string; embedding: number[] }>>(
      `SELECT id, embedding FROM message
       WHERE id = ANY($1::bigint[]) AND embedding_model = $2 AND embedding IS NOT NULL`,
      [messageIds, model],
    );
    return new Map(rows.map((row) => [Number(row.id), row.embedding.map(Number)]));
  }
}
