import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PreparedStatements } from '../database/prepared-statement.js';
import { type PathMessage, toMessage } from './chat-rows.js';
import type { MessageRole } from './entities/message.entity.js';
import { ALTERNATIVES, activePath } from './message-path.js';

/** A message as the model sees it. */
export interface ContextMessage {
  id: number;
  role: MessageRole;
  /** Who spoke: null for the user (and for a character that no longer exists). */
  characterId: string | null;
  content: string;
  /** Tokens of `content` as stored when it was written; null (older rows): counted when met. */
  tokens?: number | null;
  /** The server's rolls for the [ROLL] tags of a GM reply, reported on the next turn. */
  diceRolls?: unknown;
}

/** A message the summary does not cover yet. */
export interface UnsummarizedMessage {
  id: number;
  role: MessageRole;
  characterId: string | null;
  content: string;
}

type Row = Record<string, unknown>;

/** The summarizer reads at most this far up the active path past the summary. */
const MAX_UNSUMMARIZED_WALK = 5000;

/**
 * Reading a chat's messages along its active path (the tree's changes: GenerationRepository
 * for rounds, MessageTreeRepository for the user's edits).
 */
@Injectable()
export class MessageRepository {
  private readonly prepared: PreparedStatements;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.prepared = new PreparedStatements(dataSource);
  }

  /**
   * `limit` messages of the active path, newest first: from its end, or (`beforeId`) from the
   * message before that one, each with its place among its siblings.
   */
  async page(chatId: string, limit: number, beforeId?: number): Promise<PathMessage[]> {
    const rows =
      beforeId === undefined
        ? await this.prepared.query<Row[]>(
            'chat_messages_latest',
            `WITH RECURSIVE ${activePath('(SELECT leaf_id FROM chat WHERE id = $1)', '$2', '0')}
             SELECT p.*, ${ALTERNATIVES} FROM path p ORDER BY p.n`,
            [chatId, limit],
          )
        : await this.prepared.query<Row[]>(
            'chat_messages_before',
            `WITH RECURSIVE ${activePath(
              '(SELECT parent_id FROM message WHERE id = $3 AND chat_id = $1)',
              '$2',
              '0',
            )}
             SELECT p.*, ${ALTERNATIVES} FROM path p ORDER BY p.n`,
            [chatId, limit, beforeId],
          );
    return rows.map((row) => toMessage(row));
  }

  /**
   * The latest `limit` messages of the path ending at `uptoId` (it included), oldest first;
   * only those after `afterId` (the summary covers the earlier ones).
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
        tokens: number | null;
        dice_rolls: unknown;
      }>
    >(
      `WITH RECURSIVE ${activePath('$2::bigint', '$3', '$4::bigint')}
       SELECT id, role, character_id, content, tokens, dice_rolls FROM path
       WHERE chat_id = $1 ORDER BY n DESC`,
      [chatId, uptoId, limit, afterId ?? 0],
    );
    return rows.map(({ id, role, character_id, content, tokens, dice_rolls }) => ({
      id: Number(id),
      role,
      characterId: character_id,
      content,
      tokens,
      diceRolls: dice_rolls,
    }));
  }

  /**
   * How many messages of the active path the summary does not cover yet, and the oldest
   * `limit` of them.
   */
  async unsummarized(
    chatId: string,
    afterId: number | null,
    limit: number,
  ): Promise<{ total: number; oldest: UnsummarizedMessage[] }> {
    const rows = await this.dataSource.query<
      Array<{ id: string; role: MessageRole; character_id: string | null; content: string }>
    >(
      `WITH RECURSIVE ${activePath('(SELECT leaf_id FROM chat WHERE id = $1)', '$3', '$2::bigint')}
       SELECT id, role, character_id, content FROM path ORDER BY n DESC`,
      [chatId, afterId ?? 0, MAX_UNSUMMARIZED_WALK],
    );
    return {
      total: rows.length,
      oldest: rows.slice(0, limit).map((row) => ({
        id: Number(row.id),
        role: row.role,
        characterId: row.character_id,
        content: row.content,
      })),
    };
  }
}
