import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryWords, type RecalledPassage, type RecallQuery, type Retriever } from './retriever.js';

/** Matching messages ranked at most: the newest this many, so a common word costs no more. */
const CANDIDATES = 200;
/** Steps up the tree that check a passage is still on the active path (see forPrompt). */
const PATH_CHECK_STEPS = 2_000;

/**
 * Recall by PostgreSQL full text over the chat's messages older than the context window:
 * ix_message_search (GIN, `simple` configuration: every chat language alike, no stemming),
 * any of the newest turn's longer words, the newest CANDIDATES matches ranked by ts_rank_cd;
 * a passage off the active path (another branch) is left out.
 */
@Injectable()
export class FullTextRetriever implements Retriever, OnModuleInit {
  readonly mode = 'full-text';
  private readonly logger = new Logger(FullTextRetriever.name);

  onModuleInit(): void {
    this.logger.log(`Recall of old messages: ${this.mode} (PostgreSQL, ix_message_search)`);
  }

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recall(query: RecallQuery): Promise<RecalledPassage[]> {
    const words = queryWords(query.text);
    if (words.length === 0 || query.limit <= 0) return [];
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        role: RecalledPassage['role'];
        character_id: string | null;
        content: string;
      }>
    >(
      `WITH RECURSIVE matches AS MATERIALIZED (
         -- Through the GIN index first (materialized: a plan walking the chat's messages by id
         -- and computing each one's tsvector took seconds at 100,000 messages).
         SELECT m.id FROM message m
         WHERE to_tsvector('simple', m.content) @@ to_tsquery('simple', $2)
           AND m.chat_id = $1 AND m.id < $3),
       candidates AS (
         SELECT m.id, m.role, m.character_id, m.content, m.parent_id FROM message m
         WHERE m.id IN (SELECT id FROM matches ORDER BY id DESC LIMIT $5)),
       ranked AS (
         SELECT c.*, ts_rank_cd(to_tsvector('simple', c.content), to_tsquery('simple', $2)) AS rank
         FROM candidates c ORDER BY rank DESC, c.id DESC LIMIT $4 * 3),
       walk AS (
         SELECT r.id AS source, r.id, r.parent_id, 1 AS n, true AS ok FROM ranked r
         UNION ALL
         SELECT w.source, p.id, p.parent_id, w.n + 1, COALESCE(p.active_child_id = w.id, false)
         FROM walk w JOIN message p ON p.id = w.parent_id
         WHERE w.ok AND w.n < $6)
       SELECT r.id, r.role, r.character_id, r.content FROM ranked r
       WHERE NOT EXISTS (SELECT 1 FROM walk w WHERE w.source = r.id AND NOT w.ok)
       ORDER BY r.rank DESC, r.id DESC LIMIT $4`,
      [query.chatId, words.join(' | '), query.beforeId, query.limit, CANDIDATES, PATH_CHECK_STEPS],
    );
    return rows.map((row) => ({
      messageId: Number(row.id),
      role: row.role,
      characterId: row.character_id,
      content: row.content,
    }));
  }
}
