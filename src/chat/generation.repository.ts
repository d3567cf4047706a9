/*
 * Longer than most files on purpose: every statement that changes a chat's messages while a
 * round's claim is taken or held lives here, so the lock order they share (the chat row, then
 * its messages, as a chat's deletion takes them) can be checked in one place.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PreparedStatements } from '../database/prepared-statement.js';
import { CHAT_COLUMNS, type ChatOwner, ownedBy, ownerParams, toChat } from './chat-rows.js';
import type { ContextMessage } from './message.repository.js';
import { activePath, upToUserMessage } from './message-path.js';
import type { ChatWithMembers } from './chat-rows.js';
import type { MemoryUsed, MessageStatus } from './entities/message.entity.js';

/** How often an instance renews the rows of the replies it is writing. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A row not renewed for this long belongs to a dead instance and no longer blocks its chat. */
const STALE_AFTER_SECONDS = 30;
/** SQL condition on `g` (chat_generation): the row belongs to a live instance. */
export const LIVE_GENERATION = `g.heartbeat_at > now() - interval '${STALE_AFTER_SECONDS} seconds'`;

/**
 * First CTE of the statements on the reply path, with `FROM async_commit` in their final
 * SELECT: the statement (its own transaction) commits without waiting for the WAL flush,
 * ~3 ms less per statement on a disk like ours. The trade-off: a PostgreSQL crash (not an
 * app crash) can lose the last fraction of a second of these writes — a claim, a message —
 * while the database stays consistent.
 */
const ASYNC_COMMIT = `async_commit AS (SELECT set_config('synchronous_commit', 'off', true))`;

/**
 * Claims the chat for this instance's reply: inserts the row, or takes over a stale one.
 * A CTE of the start statements, so claiming and changing the messages are one atomic step;
 * `claimed` is empty when another live reply holds the chat (or `source`, a relation with the
 * chat's `id`, is empty).
 */
const claimOf = (source: string) => `claimed AS (
  INSERT INTO chat_generation AS g (chat_id, instance_id) SELECT id, $2 FROM ${source}
  ON CONFLICT (chat_id) DO UPDATE
    SET instance_id = EXCLUDED.instance_id, started_at = now(), heartbeat_at = now()
    WHERE NOT (${LIVE_GENERATION})
  RETURNING chat_id)`;

/**
 * SET clauses of an UPDATE of chat: the summary goes when `condition` (SQL) holds; the
 * summarizer writes a new one from the path as it now is.
 */
export const CLEAR_SUMMARY_IF = (condition: string) => `
  summary = CASE WHEN ${condition} THEN NULL ELSE summary END,
  summary_edited_at = CASE WHEN ${condition} THEN NULL ELSE summary_edited_at END,
  summarized_through_id = CASE WHEN ${condition} THEN NULL ELSE summarized_through_id END`;

/**
 * CLEAR_SUMMARY_IF the summary covers the message `from` (an SQL expression) of the active
 * path, or later ones: for a change that has just taken them off the path.
 */
export const CLEAR_SUMMARY_FROM = (from: string) =>
  CLEAR_SUMMARY_IF(`summarized_through_id >= ${from}`);

/** saveReply's `held` CTE for a round's last reply: the claim goes with the save. */
const RELEASE_HELD = `held AS (
  DELETE FROM chat_generation
  WHERE chat_id = $1 AND instance_id = $2 AND EXISTS (SELECT 1 FROM live_chat)
  RETURNING chat_id)`;

/** saveReply's `held` CTE for a reply more of the round follow: the claim is renewed. */
const RENEW_HELD = `held AS (
  UPDATE chat_generation SET heartbeat_at = now()
  WHERE chat_id = $1 AND instance_id = $2 AND EXISTS (SELECT 1 FROM live_chat)
  RETURNING chat_id)`;

type Row = Record<string, unknown>;

export interface FinishedReply {
  /** The character who spoke. */
  characterId: string;
  content: string;
  /** Tokens of `content` (TokenEstimator), stored with it for later context budgets. */
  tokens?: number | null;
  status: MessageStatus;
  modelUsed: string | null;
  promptTokens: number;
  completionTokens: number;
  diceRolls: Array<Record<string, unknown>> | null;
  encounterState: Record<string, unknown> | null;
  lorebookEntries: Array<{ id: number | string; name: string | null }> | null;
  /** What the prompt remembered; null when it carried none. */
  memoryUsed?: MemoryUsed | null;
}

/** How saving a reply went: saved, the chat deleted meanwhile, or its claim taken over. */
export type FinishOutcome =
  { status: 'saved'; messageId: number } | { status: 'deleted' } | { status: 'overtaken' };

/** How a send's start went: no such chat of the caller's, a reply already running, or begun. */
export type StartOutcome =
  | { status: 'missing' }
  | { status: 'busy'; chat: ChatWithMembers }
  | {
      status: 'started';
      /** The chat as it was before the message went in. */
      chat: ChatWithMembers;
      userMessageId: number;
      messageCount: number;
      /**
       * The messages before the new one (the latest `historyLimit` past the summary, oldest
       * first); null when the chat changed between this statement's snapshot and its writes
       * (a reply saved just then), so the caller reads them again.
       */
      history: ContextMessage[] | null;
    };

/** Where a continue starts: the reply at the end of the active path, if it is a character's. */
export interface ContinueStart {
  claimed: boolean;
  reply: { messageId: number; characterId: string | null; content: string } | null;
  /** The user message that reply answers; null for an opening. */
  userMessageId: number | null;
  messageCount: number;
}

export interface LastRound {
  claimed: boolean;
  /** The user's last message on the active path, if any. */
  userMessageId: number | null;
  messageCount: number;
}

/**
 * The cross-instance state of replies being written: one chat_generation row per chat, taken
 * and given back together with the message changes it guards.
 */
@Injectable()
export class GenerationRepository {
  /** The statements of every reply: prepared, since parsing and planning them cost most. */
  private readonly prepared: PreparedStatements;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.prepared = new PreparedStatements(dataSource);
  }

  /**
   * Claims the chat if `owner` owns it, saves the user's message and reads the history the
   * reply needs (the messages past the summary), in one round trip; the chat is read by the
   * same statement, so nothing else need be looked up first. The history comes from the
   * statement's snapshot, taken before the claim: a reply saved in between shows up as a
   * message count that moved by more than our own message.
   */
  async startWithUserMessage(
    chatId: string,
    owner: ChatOwner,
    instanceId: string,
    content: string,
    historyLimit: number,
    /** Tokens of `content` (TokenEstimator), stored with it. */
    tokens: number | null = null,
  ): Promise<StartOutcome> {
    const [row] = await this.prepared.query<Row[]>(
      'chat_reply_start',
      `WITH RECURSIVE ${ASYNC_COMMIT},
       owned AS (SELECT ${CHAT_COLUMNS} FROM chat c WHERE c.id = $1 AND ${ownedBy('$5', '$6')}),
       -- The chat is locked before the claim and the messages, as by every statement that
       -- changes them and by the chat's deletion; locked, it is read as it now stands, so
       -- its leaf is where the message goes. "owned" stays a plain read of the statement's
       -- snapshot, which the history's consistency check relies on.
       live_chat AS (
         SELECT id, leaf_id, message_count FROM chat
         WHERE id = $1 AND EXISTS (SELECT 1 FROM owned) FOR NO KEY UPDATE),
       ${claimOf('live_chat')},
       inserted AS (
         INSERT INTO message (chat_id, parent_id, depth, role, content, tokens)
         SELECT chat_id, l.leaf_id, l.message_count + 1, 'user', $3::text, $7::int
         FROM claimed, live_chat l
         RETURNING id),
       linked AS (
         UPDATE message SET active_child_id = (SELECT id FROM inserted)
         WHERE id = (SELECT leaf_id FROM live_chat) AND EXISTS (SELECT 1 FROM inserted)),
       counted AS (
         UPDATE chat SET message_count = message_count + 1, updated_at = now(),
                         leaf_id = (SELECT id FROM inserted)
         WHERE id = $1 AND EXISTS (SELECT 1 FROM claimed) RETURNING message_count),
       ${activePath(
         '(SELECT o.leaf_id FROM owned o WHERE EXISTS (SELECT 1 FROM claimed))',
         '$4',
         'COALESCE((SELECT summarized_through_id FROM owned), 0)',
       )}
       SELECT o.*,
              EXISTS (SELECT 1 FROM live_chat) AS live,
              (SELECT leaf_id FROM live_chat) IS NOT DISTINCT FROM o.leaf_id AS same_leaf,
              (SELECT id FROM inserted) AS user_message_id,
              (SELECT message_count FROM counted) AS new_message_count,
              (SELECT json_agg(json_build_object('id', h.id, 'role', h.role,
                                                 'characterId', h.character_id,
                                                 'content', h.content, 'tokens', h.tokens,
                                                 'diceRolls', h.dice_rolls)
                               ORDER BY h.n DESC)
               FROM path h) AS history
       FROM async_commit LEFT JOIN owned o ON true`,
      [chatId, instanceId, content, historyLimit, ...ownerParams(owner), tokens],
    );
    // Not live: deleted between the statement's snapshot and its lock.
    if (row.id === null || !row.live) return { status: 'missing' };
    const chat = toChat(row);
    if (row.user_message_id === null) return { status: 'busy', chat };
    const messageCount = row.new_message_count as number;
    return {
      status: 'started',
      chat,
      userMessageId: Number(row.user_message_id),
      messageCount,
      history:
        messageCount === chat.messageCount + 1 && row.same_leaf === true
          ? ((row.history as ContextMessage[] | null) ?? [])
          : null,
    };
  }

  /**
   * Claims the chat and sends `content` again in place of a user message — `messageId`, or
   * the user's last message on the active path: a new sibling of it, which becomes the active
   * path's end (the old message and what followed it stay, an inactive branch). A summary
   * that covered the old message is cleared (`summarized`: the chat still has one).
   * `userMessageId` is null when there is no such user message.
   */
  async startResending(
    chatId: string,
    instanceId: string,
    content: string,
    messageId: number | null,
    tokens: number | null = null,
  ): Promise<{
    claimed: boolean;
    userMessageId: number | null;
    messageCount: number;
    summarized: boolean;
  }> {
    const [row] = await this.dataSource.query<
      Array<{
        claimed: boolean;
        user_message_id: string | null;
        message_count: number | null;
        summarized: boolean | null;
      }>
    >(
      `WITH RECURSIVE ${ASYNC_COMMIT},
       -- The chat is locked before its messages, the order its deletion takes (the chat,
       -- then its messages by cascade): the other order deadlocks with a delete meanwhile.
       live_chat AS (SELECT id, leaf_id FROM chat WHERE id = $1 FOR NO KEY UPDATE),
       ${claimOf('live_chat')},
       ${upToUserMessage('COALESCE($4::bigint, (SELECT leaf_id FROM live_chat))', '$1')},
       target AS (
         SELECT id, parent_id, depth FROM up
         WHERE role = 'user' AND ($4::bigint IS NULL OR id = $4::bigint)
           AND EXISTS (SELECT 1 FROM claimed)),
       inserted AS (
         INSERT INTO message (chat_id, parent_id, depth, role, content, tokens)
         SELECT $1, parent_id, depth, 'user', $3::text, $5::int FROM target
         RETURNING id, depth),
       linked AS (
         UPDATE message SET active_child_id = (SELECT id FROM inserted)
         WHERE id = (SELECT parent_id FROM target) AND EXISTS (SELECT 1 FROM inserted)),
       counted AS (
         UPDATE chat SET message_count = (SELECT depth FROM inserted), updated_at = now(),
                         leaf_id = (SELECT id FROM inserted),
                         ${CLEAR_SUMMARY_FROM('(SELECT id FROM target)')}
         WHERE id = $1 AND EXISTS (SELECT 1 FROM inserted)
         RETURNING message_count, summarized_through_id IS NOT NULL AS summarized)
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed,
              (SELECT id FROM inserted) AS user_message_id,
              (SELECT message_count FROM counted) AS message_count,
              (SELECT summarized FROM counted) AS summarized
       FROM async_commit`,
      [chatId, instanceId, content, messageId, tokens],
    );
    return {
      claimed: row.claimed,
      userMessageId: row.user_message_id === null ? null : Number(row.user_message_id),
      messageCount: row.message_count ?? 0,
      summarized: row.summarized === true,
    };
  }

  /**
   * Claims the chat for a new round answering the user's last message on the active path; the
   * replies it had stay, an inactive branch once the new round saves its first reply. The chat
   * is locked first, as by every change of its tree: a change of the story (which checks for a
   * claim under that lock) is either seen whole, its leaf read as it now stands, or refused.
   */
  async startRegenerating(chatId: string, instanceId: string): Promise<LastRound> {
    const [row] = await this.dataSource.query<
      Array<{ claimed: boolean; user_message_id: string | null; message_count: number | null }>
    >(
      `WITH RECURSIVE ${ASYNC_COMMIT},
       live_chat AS (SELECT id, leaf_id, message_count FROM chat WHERE id = $1 FOR NO KEY UPDATE),
       ${claimOf('live_chat')},
       ${upToUserMessage('(SELECT leaf_id FROM live_chat)', '$1')}
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed,
              (SELECT id FROM up WHERE role = 'user') AS user_message_id,
              (SELECT message_count FROM live_chat) AS message_count
       FROM async_commit`,
      [chatId, instanceId],
    );
    return {
      claimed: row.claimed,
      userMessageId: row.user_message_id === null ? null : Number(row.user_message_id),
      messageCount: row.message_count ?? 0,
    };
  }

  /**
   * Claims the chat to continue the character message that ends its active path (`reply` null
   * when the path ends otherwise: then the caller gives the claim back). The chat is locked
   * first, as by every change of its tree, so the path's end is read as it now stands.
   */
  async startContinuing(chatId: string, instanceId: string): Promise<ContinueStart> {
    const [row] = await this.dataSource.query<
      Array<{
        claimed: boolean;
        reply_id: string | null;
        character_id: string | null;
        content: string | null;
        user_message_id: string | null;
        message_count: number | null;
      }>
    >(
      `WITH RECURSIVE ${ASYNC_COMMIT},
       live_chat AS (SELECT id, leaf_id, message_count FROM chat WHERE id = $1 FOR NO KEY UPDATE),
       ${claimOf('live_chat')},
       reply AS (
         SELECT id, character_id, content FROM message
         WHERE id = (SELECT leaf_id FROM live_chat) AND chat_id = $1 AND role = 'assistant'),
       ${upToUserMessage('(SELECT leaf_id FROM live_chat)', '$1')}
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed,
              r.id AS reply_id, r.character_id, r.content,
              (SELECT id FROM up WHERE role = 'user') AS user_message_id,
              (SELECT message_count FROM live_chat) AS message_count
       FROM async_commit LEFT JOIN reply r ON true`,
      [chatId, instanceId],
    );
    return {
      claimed: row.claimed,
      reply:
        row.reply_id === null
          ? null
          : {
              messageId: Number(row.reply_id),
              characterId: row.character_id,
              content: row.content ?? '',
            },
      userMessageId: row.user_message_id === null ? null : Number(row.user_message_id),
      messageCount: row.message_count ?? 0,
    };
  }

  /**
   * Appends a continuation to the reply `messageId`, which keeps its place in the tree: its
   * text grows, its tokens add up, the newest model and status are its own; the rolls a campaign
   * continuation asked for join the reply's. Under the claim, given back in the same statement
   * (a continuation is its round's one reply). A summary that covered the reply is cleared.
   */
  async appendToReply(
    chatId: string,
    instanceId: string,
    messageId: number,
    reply: FinishedReply,
  ): Promise<FinishOutcome> {
    const [row] = await this.dataSource.query<Array<{ id: string | null; chat_exists: boolean }>>(
      `WITH ${ASYNC_COMMIT},
       live_chat AS (SELECT id FROM chat WHERE id = $1 FOR UPDATE),
       ${RELEASE_HELD},
       appended AS (
         UPDATE message
         SET content = content || $4::text, status = $5::text,
             -- Counted apart, the two parts may differ from the whole by a merge: close enough.
             tokens = COALESCE(tokens, 0) + $12::int,
             model_used = COALESCE($6::text, model_used),
             prompt_tokens = COALESCE(prompt_tokens, 0) + $7::int,
             completion_tokens = COALESCE(completion_tokens, 0) + $8::int,
             dice_rolls = CASE WHEN $9::jsonb IS NULL THEN dice_rolls
                               ELSE COALESCE(dice_rolls, '[]'::jsonb) || $9::jsonb END,
             encounter_state = COALESCE($10::jsonb, encounter_state),
             lorebook_entries = COALESCE($11::jsonb, lorebook_entries),
             memory_used = COALESCE($13::jsonb, memory_used)
         WHERE id = $3::bigint AND chat_id = $1 AND EXISTS (SELECT 1 FROM held)
         RETURNING id),
       touched AS (
         UPDATE chat SET updated_at = now(), ${CLEAR_SUMMARY_FROM('$3::bigint')}
         WHERE id = $1 AND EXISTS (SELECT 1 FROM appended))
       SELECT (SELECT id FROM appended) AS id, EXISTS (SELECT 1 FROM live_chat) AS chat_exists
       FROM async_commit`,
      [
        chatId,
        instanceId,
        messageId,
        reply.content,
        reply.status,
        reply.modelUsed,
        reply.promptTokens,
        reply.completionTokens,
        reply.diceRolls === null ? null : JSON.stringify(reply.diceRolls),
        reply.encounterState === null ? null : JSON.stringify(reply.encounterState),
        reply.lorebookEntries === null ? null : JSON.stringify(reply.lorebookEntries),
        reply.tokens ?? null,
        reply.memoryUsed ? JSON.stringify(reply.memoryUsed) : null,
      ],
    );
    if (row.id !== null) return { status: 'saved', messageId: Number(row.id) };
    return { status: row.chat_exists ? 'overtaken' : 'deleted' };
  }

  /**
   * Saves a reply of the round under `parentId` (the user message the round answers, or the
   * previous reply of the round), as the active path's new end, provided this instance still
   * holds the chat: a claim that lapsed and was taken over (the
   * database out of reach past the heartbeat) belongs to another round now. `last`: the round
   * ends with this reply, and the chat is given back in the same statement; otherwise the
   * claim is renewed.
   */
  async saveReply(
    chatId: string,
    instanceId: string,
    reply: FinishedReply,
    parentId: number,
    last: boolean,
  ): Promise<FinishOutcome> {
    const [row] = await this.prepared.query<Array<{ id: string | null; chat_exists: boolean }>>(
      last ? 'chat_reply_finish' : 'chat_reply_save',
      `WITH ${ASYNC_COMMIT},
       -- Locked first: a chat deleted at this moment is waited for and then not found, where
       -- a plain read would still see it and the insert would fail its foreign key.
       live_chat AS (SELECT id FROM chat WHERE id = $1 FOR UPDATE),
       -- A DELETE or UPDATE re-checks a row another statement changed meanwhile: a claim
       -- taken over just now is not ours, and nothing is written.
       ${last ? RELEASE_HELD : RENEW_HELD},
       inserted AS (
         INSERT INTO message (chat_id, parent_id, depth, role, character_id, content, status,
                              model_used, prompt_tokens, completion_tokens, dice_rolls,
                              encounter_state, lorebook_entries, tokens, memory_used)
         SELECT chat_id, $3::bigint, (SELECT depth + 1 FROM message WHERE id = $3::bigint),
                'assistant', $12::uuid, $4::text, $5::text, $6::text, $7::int, $8::int,
                $9::jsonb, $10::jsonb, $11::jsonb, $13::int, $14::jsonb
         FROM held
         RETURNING id, depth),
       linked AS (
         UPDATE message SET active_child_id = (SELECT id FROM inserted)
         WHERE id = $3::bigint AND EXISTS (SELECT 1 FROM inserted)),
       counted AS (
         UPDATE chat SET message_count = (SELECT depth FROM inserted), updated_at = now(),
                         leaf_id = (SELECT id FROM inserted),
                         -- A regenerated round's replies supersede what the summary covered.
                         ${CLEAR_SUMMARY_FROM('$3::bigint + 1')}
         WHERE id = $1 AND EXISTS (SELECT 1 FROM inserted))
       SELECT (SELECT id FROM inserted) AS id, EXISTS (SELECT 1 FROM live_chat) AS chat_exists
       FROM async_commit`,
      [
        chatId,
        instanceId,
        parentId,
        reply.content,
        reply.status,
        reply.modelUsed,
        reply.promptTokens,
        reply.completionTokens,
        reply.diceRolls === null ? null : JSON.stringify(reply.diceRolls),
        reply.encounterState === null ? null : JSON.stringify(reply.encounterState),
        reply.lorebookEntries === null ? null : JSON.stringify(reply.lorebookEntries),
        reply.characterId,
        reply.tokens ?? null,
        reply.memoryUsed ? JSON.stringify(reply.memoryUsed) : null,
      ],
    );
    if (row.id !== null) return { status: 'saved', messageId: Number(row.id) };
    return { status: row.chat_exists ? 'overtaken' : 'deleted' };
  }

  /**
   * Undoes startWithUserMessage when the reply cannot go ahead after all (the character went
   * out of reach, the quota ran out): the user's message goes, the chat is free again and
   * keeps its place in the owner's list (`updatedAt`, from before the start).
   */
  async abandonStart(
    chatId: string,
    instanceId: string,
    userMessageId: number,
    updatedAt: Date,
  ): Promise<void> {
    await this.dataSource.query(
      `WITH live_chat AS (SELECT id FROM chat WHERE id = $1 FOR UPDATE),
       released AS (
         DELETE FROM chat_generation
         WHERE chat_id = $1 AND instance_id = $2 AND EXISTS (SELECT 1 FROM live_chat)),
       -- After the chat's lock, as in finish: a chat deletion locks the chat, then cascades.
       removed AS (
         DELETE FROM message WHERE id = $3 AND chat_id = $1 AND EXISTS (SELECT 1 FROM live_chat)
         RETURNING id, parent_id, depth)
       UPDATE chat SET message_count = message_count - (SELECT count(*) FROM removed),
                       updated_at = $4,
                       -- The path ends where it did before the message went in.
                       leaf_id = CASE WHEN EXISTS (SELECT 1 FROM removed)
                                      THEN (SELECT parent_id FROM removed) ELSE leaf_id END
       WHERE id = $1`,
      [chatId, instanceId, userMessageId, updatedAt],
    );
  }

  /**
   * Claims the chat for a proactive message (issue #21): no user message goes in; the path's
   * end is read under the chat's lock, as by every change of its tree. `claimed` false when a
   * round holds the chat (the message waits for another time).
   */
  async startProactive(
    chatId: string,
    instanceId: string,
  ): Promise<{ claimed: boolean; leafId: number | null; messageCount: number }> {
    const [row] = await this.dataSource.query<
      Array<{ claimed: boolean; leaf_id: string | null; message_count: number | null }>
    >(
      `WITH live_chat AS (SELECT id, leaf_id, message_count FROM chat WHERE id = $1 FOR NO KEY UPDATE),
       ${claimOf('live_chat')}
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed,
              (SELECT leaf_id FROM live_chat) AS leaf_id,
              (SELECT message_count FROM live_chat) AS message_count`,
      [chatId, instanceId],
    );
    return {
      claimed: row.claimed,
      leafId: row.leaf_id === null ? null : Number(row.leaf_id),
      messageCount: row.message_count ?? 0,
    };
  }

  /**
   * Saves a proactive message under `parentId` (the path's end when the chat was claimed) as
   * the path's new end, marked `proactive`, at `createdAt` (the app's clock: absences are
   * measured from it), and gives the claim back in the same statement. Null when the claim
   * was lost or the chat deleted meanwhile.
   */
  async saveProactive(
    chatId: string,
    instanceId: string,
    reply: FinishedReply,
    parentId: number,
    createdAt: Date,
  ): Promise<number | null> {
    const [row] = await this.dataSource.query<Array<{ id: string | null }>>(
      `WITH live_chat AS (SELECT id FROM chat WHERE id = $1 FOR UPDATE),
       ${RELEASE_HELD},
       inserted AS (
         INSERT INTO message (chat_id, parent_id, depth, role, character_id, content, status,
                              model_used, prompt_tokens, completion_tokens, proactive, created_at)
         SELECT chat_id, $3::bigint, (SELECT depth + 1 FROM message WHERE id = $3::bigint),
                'assistant', $4::uuid, $5::text, 'complete', $6::text, $7::int, $8::int, true,
                $9::timestamptz
         FROM held
         RETURNING id, depth),
       linked AS (
         UPDATE message SET active_child_id = (SELECT id FROM inserted)
         WHERE id = $3::bigint AND EXISTS (SELECT 1 FROM inserted)),
       counted AS (
         UPDATE chat SET message_count = (SELECT depth FROM inserted), updated_at = now(),
                         leaf_id = (SELECT id FROM inserted)
         WHERE id = $1 AND EXISTS (SELECT 1 FROM inserted))
       SELECT (SELECT id FROM inserted) AS id`,
      [
        chatId,
        instanceId,
        parentId,
        reply.characterId,
        reply.content,
        reply.modelUsed,
        reply.promptTokens,
        reply.completionTokens,
        createdAt,
      ],
    );
    return row.id === null ? null : Number(row.id);
  }

  /** Gives the chat back without saving a reply. */
  async release(chatId: string, instanceId: string): Promise<void> {
    await this.prepared.query(
      'chat_reply_release',
      `DELETE FROM chat_generation WHERE chat_id = $1 AND instance_id = $2`,
      [chatId, instanceId],
    );
  }

  /** The live instance writing a reply in the chat, if any. */
  async writerOf(chatId: string): Promise<string | null> {
    const [row] = await this.dataSource.query<Array<{ instance_id: string }>>(
      `SELECT instance_id FROM chat_generation g WHERE chat_id = $1 AND ${LIVE_GENERATION}`,
      [chatId],
    );
    return row?.instance_id ?? null;
  }

  /**
   * Renews the rows of the replies this instance is writing, in one statement. Only those: a
   * row left behind by a failed release must lapse, not be kept alive by the other replies.
   */
  async heartbeat(instanceId: string, chatIds: string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE chat_generation SET heartbeat_at = now()
       WHERE instance_id = $1 AND chat_id = ANY($2::uuid[])`,
      [instanceId, chatIds],
    );
  }
}
