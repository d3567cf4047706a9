import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Language } from '../../common/languages.js';
import type { MessageStatus } from '../entities/message.entity.js';
import type { GroupChatEntity } from './entities/group-chat.entity.js';
import type { GroupMessageEntity, GroupMessageRole } from './entities/group-message.entity.js';

/** How often the writer of a round renews its claims. */
export const GROUP_HEARTBEAT_INTERVAL_MS = 10_000;
/** A claim not renewed for this long belongs to a dead process and no longer blocks. */
const STALE_AFTER_SECONDS = 30;
const LIVE_CLAIM = `g.reply_heartbeat_at > now() - interval '${STALE_AFTER_SECONDS} seconds'`;

export interface GroupChatState {
  chat: GroupChatEntity;
  /** The characters, in speaking order. */
  memberIds: string[];
  /** A round of replies is being written (on any instance). */
  generating: boolean;
}

/** A line as the prompt needs it. */
export interface GroupContextLine {
  id: number;
  role: GroupMessageRole;
  characterId: string | null;
  content: string;
}

export interface GroupReplyToSave {
  characterId: string;
  content: string;
  status: MessageStatus;
  modelUsed: string | null;
  promptTokens: number;
  completionTokens: number;
}

type Row = Record<string, unknown>;

const STATE_COLUMNS = `g.id, g.user_id, g.title, g.language, g.message_count, g.reply_claim,
  g.reply_heartbeat_at, g.created_at, g.updated_at, ${LIVE_CLAIM} AS generating,
  ARRAY(SELECT m.character_id FROM group_chat_member m
        WHERE m.group_chat_id = g.id ORDER BY m.position) AS member_ids`;

const toState = (row: Row): GroupChatState => ({
  chat: {
    id: row.id as string,
    userId: row.user_id as string,
    title: row.title as string | null,
    language: row.language as Language,
    messageCount: row.message_count as number,
    replyClaim: row.reply_claim as string | null,
    replyHeartbeatAt: row.reply_heartbeat_at as Date | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  },
  memberIds: row.member_ids as string[],
  generating: row.generating === true,
});

const toMessage = (row: Row): GroupMessageEntity => ({
  id: String(row.id),
  groupChatId: row.group_chat_id as string,
  role: row.role as GroupMessageRole,
  characterId: row.character_id as string | null,
  content: row.content as string,
  status: row.status as MessageStatus,
  modelUsed: row.model_used as string | null,
  promptTokens: row.prompt_tokens as number | null,
  completionTokens: row.completion_tokens as number | null,
  createdAt: row.created_at as Date,
});

/**
 * Group chats, their members and messages. A round of replies claims its group chat in the
 * same statement that saves the user's message, so two sends never interleave, whichever
 * instance takes them.
 */
@Injectable()
export class GroupChatRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Creates the group chat and its members (in `characterIds` order) in one statement. */
  async create(
    userId: string,
    title: string | null,
    language: Language,
    characterIds: readonly string[],
  ): Promise<GroupChatState> {
    const [row] = await this.dataSource.query<Row[]>(
      `WITH g AS (
         INSERT INTO group_chat (user_id, title, language) VALUES ($1, $2, $3)
         RETURNING *),
       members AS (
         INSERT INTO group_chat_member (group_chat_id, position, character_id)
         SELECT g.id, m.position - 1, m.character_id
         FROM g, unnest($4::uuid[]) WITH ORDINALITY AS m (character_id, position))
       SELECT g.*, false AS generating, $4::uuid[] AS member_ids FROM g`,
      [userId, title, language, characterIds],
    );
    return toState(row);
  }

  async find(id: string): Promise<GroupChatState | null> {
    const [row] = await this.dataSource.query<Row[]>(
      `SELECT ${STATE_COLUMNS} FROM group_chat g WHERE g.id = $1`,
      [id],
    );
    return row ? toState(row) : null;
  }

  /** A page of the user's group chats, latest activity first (ix_group_chat_user_recent). */
  async list(userId: string, offset: number, limit: number): Promise<GroupChatState[]> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${STATE_COLUMNS} FROM group_chat g WHERE g.user_id = $1
       ORDER BY g.updated_at DESC, g.id DESC OFFSET $2 LIMIT $3`,
      [userId, offset, limit],
    );
    return rows.map(toState);
  }

  /** Messages newest first, older than `beforeId` when given (ix_group_message_group_chat_recent). */
  async messages(id: string, limit: number, beforeId?: number): Promise<GroupMessageEntity[]> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT id, group_chat_id, role, character_id, content, status, model_used, prompt_tokens,
              completion_tokens, created_at
       FROM group_message
       WHERE group_chat_id = $1 AND ($3::bigint IS NULL OR id < $3::bigint)
       ORDER BY id DESC LIMIT $2`,
      [id, limit, beforeId ?? null],
    );
    return rows.map(toMessage);
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM group_chat WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return affected > 0;
  }

  /**
   * Claims the group chat for a round (unless a live round holds it) and saves the user's
   * message, atomically: concurrent claims on the row serialize, and the loser sees the
   * winner's heartbeat. Null when another round is running.
   */
  async startRound(
    id: string,
    userId: string,
    claim: string,
    instanceId: string,
    content: string,
  ): Promise<{ userMessageId: number } | null> {
    const [row] = await this.dataSource.query<Array<{ user_message_id: string | null }>>(
      `WITH claimed AS (
         UPDATE group_chat g
         SET reply_claim = $3, reply_instance = $5, reply_heartbeat_at = now(),
             message_count = message_count + 1, updated_at = now()
         WHERE g.id = $1 AND g.user_id = $2 AND (g.reply_claim IS NULL OR NOT (${LIVE_CLAIM}))
         RETURNING g.id),
       inserted AS (
         INSERT INTO group_message (group_chat_id, role, content)
         SELECT id, 'user', $4::text FROM claimed
         RETURNING id)
       SELECT (SELECT id FROM inserted) AS user_message_id`,
      [id, userId, claim, content, instanceId],
    );
    return row.user_message_id === null ? null : { userMessageId: Number(row.user_message_id) };
  }

  /** The instance writing a live round of the user's group chat, if any. */
  async writerOf(id: string, userId: string): Promise<string | null> {
    const [row] = await this.dataSource.query<Array<{ reply_instance: string | null }>>(
      `SELECT g.reply_instance FROM group_chat g
       WHERE g.id = $1 AND g.user_id = $2 AND g.reply_claim IS NOT NULL AND ${LIVE_CLAIM}`,
      [id, userId],
    );
    return row?.reply_instance ?? null;
  }

  /** The latest `limit` messages up to `untilId`, oldest first. */
  async context(id: string, untilId: number, limit: number): Promise<GroupContextLine[]> {
    const rows = await this.dataSource.query<
      Array<{ id: string; role: GroupMessageRole; character_id: string | null; content: string }>
    >(
      `SELECT id, role, character_id, content FROM group_message
       WHERE group_chat_id = $1 AND id <= $2 ORDER BY id DESC LIMIT $3`,
      [id, untilId, limit],
    );
    return rows.reverse().map((row) => ({
      id: Number(row.id),
      role: row.role,
      characterId: row.character_id,
      content: row.content,
    }));
  }

  /**
   * Saves a character's reply while the round still holds the claim (renewing it). Null when
   * the group chat was deleted (or the claim lost) meanwhile.
   */
  async saveReply(id: string, claim: string, reply: GroupReplyToSave): Promise<number | null> {
    const [row] = await this.dataSource.query<Array<{ id: string | null }>>(
      `WITH counted AS (
         UPDATE group_chat SET message_count = message_count + 1, updated_at = now(),
                               reply_heartbeat_at = now()
         WHERE id = $1 AND reply_claim = $2
         RETURNING id),
       inserted AS (
         INSERT INTO group_message (group_chat_id, role, character_id, content, status,
                                    model_used, prompt_tokens, completion_tokens)
         SELECT id, 'assistant', $3, $4::text, $5::text, $6::text, $7::int, $8::int FROM counted
         RETURNING id)
       SELECT (SELECT id FROM inserted) AS id`,
      [
        id,
        claim,
        reply.characterId,
        reply.content,
        reply.status,
        reply.modelUsed,
        reply.promptTokens,
        reply.completionTokens,
      ],
    );
    return row.id === null ? null : Number(row.id);
  }

  /**
   * Ends the round: gives the claim back and, when no character answered, drops the user's
   * message too, so a failed round leaves nothing behind.
   */
  async endRound(id: string, claim: string, dropMessage: number | null): Promise<void> {
    await this.dataSource.query(
      `WITH
       -- Locked first, the order a deletion of the group chat takes (chat, then its messages
       -- by cascade): the other order deadlocks with a delete arriving at this moment.
       held AS (SELECT id FROM group_chat WHERE id = $1 AND reply_claim = $2 FOR UPDATE),
       dropped AS (
         DELETE FROM group_message
         WHERE id = $3::bigint AND group_chat_id = $1 AND EXISTS (SELECT 1 FROM held)
         RETURNING id)
       UPDATE group_chat
       SET reply_claim = NULL, reply_heartbeat_at = NULL,
           message_count = message_count - (SELECT count(*) FROM dropped)
       WHERE id = $1 AND reply_claim = $2`,
      [id, claim, dropMessage],
    );
  }

  /** Renews the claims of every round this process is writing, in one statement. */
  async heartbeat(rounds: ReadonlyArray<{ id: string; claim: string }>): Promise<void> {
    await this.dataSource.query(
      `UPDATE group_chat g SET reply_heartbeat_at = now()
       FROM unnest($1::uuid[], $2::uuid[]) AS r (id, claim)
       WHERE g.id = r.id AND g.reply_claim = r.claim`,
      [rounds.map((round) => round.id), rounds.map((round) => round.claim)],
    );
  }
}
