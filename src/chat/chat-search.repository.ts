import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ChatOwner } from './chat-rows.js';
import { ownerFilter } from './chat.repository.js';

/** Around the words found in a snippet; characters no stored message keeps (see `search`). */
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

/** ts_headline's options: 15–35 words around the words found (a short message whole). */
const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=35, MinWords=15`;

/** A message found, with its snippet still marked by MARK_START/MARK_END and not escaped. */
export interface SearchHit {
  id: string;
  chatId: string;
  snippet: string;
  createdAt: Date;
}

/** Full-text search over an owner's messages (ix_message_search, migration MessageSearch). */
@Injectable()
export class ChatSearchRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The owner's messages (every branch) matching `query` (websearch syntax), newest first,
   * older than `beforeId`. The snippet is made for the page's rows only; the sentinels are
   * taken out of the text first, so every one in a snippet is a mark.
   */
  async search(
    owner: ChatOwner,
    query: string,
    beforeId: string | null,
    limit: number,
  ): Promise<SearchHit[]> {
    const filter = ownerFilter(owner);
    const rows = await this.dataSource.query<
      Array<{ id: string; chat_id: string; snippet: string; created_at: Date }>
    >(
      `SELECT h.id, h.chat_id, h.created_at,
              ts_headline('simple', translate(h.content, $5, ''), q.query, $6) AS snippet
       FROM (
         SELECT m.id, m.chat_id, m.content, m.created_at
         FROM chat c JOIN message m ON m.chat_id = c.id
         WHERE ${filter.sql}
           AND to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', $2)
           AND ($3::bigint IS NULL OR m.id < $3::bigint)
         ORDER BY m.id DESC
         LIMIT $4) h,
         websearch_to_tsquery('simple', $2) AS q (query)
       ORDER BY h.id DESC`,
      [filter.value, query, beforeId, limit, MARK_START + MARK_END, HEADLINE_OPTIONS],
    );
    return rows.map((row) => ({
      id: String(row.id),
      chatId: row.chat_id,
      snippet: row.snippet,
      createdAt: row.created_at,
    }));
  }
}
