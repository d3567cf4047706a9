import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { aloneOnPath, strayOpenings, walkUp } from '../message-path.js';
import { queryWords, type RecalledPassage, type RecallQuery, type Retriever } from './retriever.js';

/** Matching messages ranked at most (the first found), so a common word costs no more. */
const CANDIDATES = 200;
/** Steps up the tree that check a passage is still on the active path (see forPrompt). */
const PATH_CHECK_STEPS = 2_000;
/** Chats whose text-search configuration is remembered (a chat's language never changes). */
const CONFIG_CACHE_SIZE = 1_000;

/**
 * Recall by PostgreSQL full text over the chat's messages older than the context window, in
 * the chat's language: `message.recall_vector` (the chat's configuration, e.g. russian:
 * stemmed, stop words out; migration RecallLanguage) through ix_message_recall. Any of the
 * newest turn's longer words; the first CANDIDATES matches ranked by ts_rank_cd on the stored
 * vectors; the best `limit` checked to be on the active path (another branch's are left out):
 * one alone at its depth is (aloneOnPath), others walk up (bounded, as forPrompt's facts) to
 * an ancestor alone at its depth, or to an opening the story now starts from (strayOpenings).
 */
@Injectable()
export class FullTextRetriever implements Retriever {
  readonly mode: string = 'full-text';
  private readonly configs = new Map<string, string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recall(query: RecallQuery): Promise<RecalledPassage[]> {
    return (await this.candidates(query, query.limit)).map(
      ({ rank: _rank, ...passage }) => passage,
    );
  }

  /**
   * The best `picks` passages on the active path, best first, with their full-text rank (the
   * candidates EmbeddingRerankRetriever re-orders). The configuration is a parameter, not a
   * subquery, so the planner sees the query's lexemes and chooses between the GIN index (rare
   * words) and the table (common ones).
   */
  async candidates(
    query: RecallQuery,
    picks: number,
  ): Promise<Array<RecalledPassage & { rank: number }>> {
    const words = queryWords(query.text);
    if (words.length === 0 || picks <= 0) return [];
    const config = await this.textConfig(query.chatId);
    if (config === null) return [];
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        role: RecalledPassage['role'];
        character_id: string | null;
        content: string;
        rank: number;
        lone: boolean;
      }>
    >(
      `WITH matches AS MATERIALIZED (
         SELECT m.id, m.recall_vector FROM message m
         WHERE m.recall_vector @@ to_tsquery($2::regconfig, $4)
           AND m.chat_id = $1 AND m.id < $3
         -- No ORDER BY: sorted by id, a rare word made the planner walk the chat's ids
         -- backwards through all 100,000 messages (bench/README.md). Unsorted, the plan stops
         -- at the CANDIDATES-th match: the GIN index for rare words, the table for common ones.
         LIMIT $5),
       ranked AS MATERIALIZED (
         SELECT x.id, ts_rank_cd(x.recall_vector, to_tsquery($2::regconfig, $4)) AS rank
         FROM matches x ORDER BY rank DESC, x.id DESC LIMIT $6)
       -- Alone at its depth: on the path. Only the others need the walk up (offPath).
       SELECT m.id, m.role, m.character_id, m.content, r.rank,
              ${aloneOnPath('m', 'c.message_count')} AS lone
       FROM ranked r JOIN message m ON m.id = r.id JOIN chat c ON c.id = $1::uuid
       ORDER BY r.rank DESC, r.id DESC`,
      [query.chatId, config, query.beforeId, words.join(' | '), CANDIDATES, picks],
    );
    const branched = rows.filter((row) => !row.lone).map((row) => row.id);
    const off = branched.length > 0 ? await this.offPath(branched) : new Set<string>();
    return rows
      .filter((row) => !off.has(row.id))
      .map((row) => ({
        messageId: Number(row.id),
        role: row.role,
        characterId: row.character_id,
        content: row.content,
        rank: Number(row.rank),
      }));
  }

  /**
   * Of `ids` (messages sharing their depth with another), those off the chat's active path:
   * a walk up from each (to the first ancestor alone at its depth: aloneOnPath) fails where a
   * parent names another child active, or reaches an opening the story no longer starts from
   * (strayOpenings). A statement of its own because a chat without branches never needs it,
   * and the walk's CTEs cost more to plan than the ranking costs to run.
   */
  private async offPath(ids: string[]): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `WITH RECURSIVE ${walkUp(
        `SELECT m.id AS source, m.id, m.parent_id, 1 AS n, true AS ok, false AS settled,
                c.message_count AS count
         FROM message m JOIN chat c ON c.id = m.chat_id WHERE m.id = ANY($1::bigint[])`,
        '$2',
      )},
       ${strayOpenings('$2')}
       SELECT DISTINCT w.source AS id FROM walk w
       WHERE NOT w.ok OR w.id IN (SELECT id FROM stray_openings)`,
      [ids, PATH_CHECK_STEPS],
    );
    return new Set(rows.map((row) => String(row.id)));
  }

  /** The chat's text-search configuration (recall_text_config), null for no such chat. */
  private async textConfig(chatId: string): Promise<string | null> {
    const known = this.configs.get(chatId);
    if (known !== undefined) return known;
    const [row] = await this.dataSource.query<Array<{ config: string }>>(
      `SELECT recall_text_config(language)::text AS config FROM chat WHERE id = $1`,
      [chatId],
    );
    if (!row) return null;
    if (this.configs.size >= CONFIG_CACHE_SIZE) {
      this.configs.delete(this.configs.keys().next().value!);
    }
    this.configs.set(chatId, row.config);
    return row.config;
  }
}
