import { Injectable } from '@nestjs/common';
import { type ChatCaller, ownerOf } from './chat-caller.js';
import { ChatSearchRepository, MARK_END, MARK_START } from './chat-search.repository.js';
import type { ChatSearchPageDto, ChatSearchQueryDto } from './dto/chat-management.dto.js';
import { cursorPage, rowsToRead } from '../common/pagination.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * A snippet as HTML: the message's text escaped, then the sentinels ts_headline put around
 * the words found turned into <mark> (the text itself cannot hold them: see the repository).
 */
export const snippetHtml = (marked: string): string =>
  marked
    .replace(/[&<>"']/g, (char) => HTML_ESCAPES[char])
    .replaceAll(MARK_START, '<mark>')
    .replaceAll(MARK_END, '</mark>');

/** Full-text search over the caller's chats (a guest: its session's). */
@Injectable()
export class ChatSearchService {
  constructor(private readonly repository: ChatSearchRepository) {}

  async search(query: ChatSearchQueryDto, caller: ChatCaller): Promise<ChatSearchPageDto> {
    const limit = query.limit ?? 20;
    const hits = await this.repository.search(
      ownerOf(caller),
      query.q,
      query.cursor ?? null,
      rowsToRead(limit),
    );
    const { shown, nextCursor } = cursorPage(hits, limit, (last) => last.id);
    return {
      items: shown.map((hit) => ({
        chat_id: hit.chatId,
        message_id: Number(hit.id),
        snippet: snippetHtml(hit.snippet),
        created_at: hit.createdAt.toISOString(),
      })),
      next_cursor: nextCursor,
    };
  }
}
