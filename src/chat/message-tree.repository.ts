import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { type ChatWithMembers, type PathMessage, toChat, toMessage } from './chat-rows.js';
import { CLEAR_SUMMARY_FROM, CLEAR_SUMMARY_IF, LIVE_GENERATION } from './generation.repository.js';
import { ChatMemberEntity } from './entities/chat-member.entity.js';
import { ChatEntity } from './entities/chat.entity.js';
import { MessageEntity, type MessageRole } from './entities/message.entity.js';
import { ALTERNATIVES, aloneOnPath, strayOpenings, walkUp } from './message-path.js';

/**
 * How a change of a chat's tree went: no such message in the chat (`missing`), a reply being
 * written (`busy`: nothing changed), or `done`.
 */
export type TreeChange<Done = object> =
  { status: 'missing' } | { status: 'busy' } | ({ status: 'done' } & Done);

/** Where a message stands: who wrote it, and whether the story now goes through it. */
export interface MessagePlace {
  role: MessageRole;
  onActivePath: boolean;
}

type Row = Record<string, unknown>;

/**
 * The first CTE of every change: `free.ok` is false while a live reply holds the chat ($1);
 * each write of the statement waits on it, so a busy chat is left as it was.
 */
const FREE = `free AS (
  SELECT NOT EXISTS (SELECT 1 FROM chat_generation g WHERE g.chat_id = $1 AND ${LIVE_GENERATION})
    AS ok)`;

/** A recursive CTE `path`: the active path of chat $1 from its end up to message $2 (included). */
const PATH_FROM_LEAF_TO_TARGET = `path AS (
  SELECT m.id, m.parent_id FROM chat c JOIN message m ON m.id = c.leaf_id
  WHERE c.id = $1 AND m.id >= $2::bigint
  UNION ALL
  SELECT m.id, m.parent_id FROM path p JOIN message m ON m.id = p.parent_id
  WHERE m.id >= $2::bigint)`;

/** Steps a walk up takes before it counts the message as on the path (as the facts' walk). */
const PATH_CHECK_STEPS = 10_000;

/**
 * CTEs (in a `WITH RECURSIVE`) giving `covered.yes`: whether chat $1's summary covers message
 * $2, that is whether $2 is on the active path at or above the message the summary ends at
 * (itself on the path). An alternative left behind is not covered, however old: editing or
 * deleting it keeps the summary. Walks up from $2 while each parent names the child as its
 * active one, to the first message alone at its depth (aloneOnPath) or an opening the story
 * starts from (strayOpenings); an unfinished walk counts as covered.
 */
const SUMMARY_COVERS_TARGET = `
  ${walkUp(
    `SELECT m.id AS source, m.id, m.parent_id, 1 AS n, true AS ok,
            ${aloneOnPath('m', 'h.message_count')} AS settled, h.message_count AS count
     FROM message m JOIN chat h ON h.id = m.chat_id
     WHERE m.id = $2 AND m.chat_id = $1 AND m.id <= h.summarized_through_id`,
    String(PATH_CHECK_STEPS),
  )},
  ${strayOpenings(String(PATH_CHECK_STEPS))},
  covered AS (
    SELECT EXISTS (SELECT 1 FROM walk)
       AND NOT EXISTS (SELECT 1 FROM walk WHERE NOT ok OR id IN (SELECT id FROM stray_openings))
       AS yes)`;

const outcome = (row: Row): { status: 'missing' } | { status: 'busy' } | null =>
  !row.found ? { status: 'missing' } : !row.free ? { status: 'busy' } : null;

/**
 * The user's changes to a chat's message tree (the messages of rounds: GenerationRepository):
 * select an alternative, edit, delete, rewind, branch into a new chat. Each keeps the tree's
 * invariants: a parent's id is below its children's, depth = parent's + 1, the ancestors of
 * the leaf name the path's next message as their active child, message_count = the leaf's
 * depth; a change that takes a message the summary covered off the path clears the summary.
 */
@Injectable()
export class MessageTreeRepository {
  /** branch's statement; its column lists come from the entities, new columns included. */
  private readonly branchStatement: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.branchStatement = branchStatement(dataSource);
  }

  /**
   * Makes the `index`-th sibling of message `messageId` (its parent's children, a chat's
   * openings for a root; by id) active: every ancestor names the path to it as its active
   * child, and the story goes on along what was last active below it, to the end of that
   * remembered chain (the new leaf). `count` (the siblings) comes back when `index` is past
   * the last. The summary stays if the message it ends at is still on the path.
   */
  async select(
    chatId: string,
    messageId: number,
    index: number,
  ): Promise<TreeChange | { status: 'out_of_range'; count: number }> {
    return this.changing(chatId, async (manager) => {
      const [row] = await manager.query<Row[]>(
        `WITH RECURSIVE ${FREE},
         target AS (SELECT id, parent_id FROM message WHERE id = $2 AND chat_id = $1),
         siblings AS (
           SELECT s.id FROM target t JOIN message s ON s.chat_id = $1 AND s.parent_id IS NULL
           WHERE t.parent_id IS NULL
           UNION ALL
           SELECT s.id FROM target t JOIN message s ON s.parent_id = t.parent_id),
         chosen AS (SELECT id FROM siblings ORDER BY id OFFSET $3 LIMIT 1),
         -- Down what was last active below the chosen message, to where that chain ends.
         down AS (
           SELECT m.id, m.active_child_id, m.depth FROM chosen c JOIN message m ON m.id = c.id
           UNION ALL
           SELECT m.id, m.active_child_id, m.depth
           FROM down d JOIN message m ON m.id = d.active_child_id),
         -- Up from it: each ancestor, with the child the path now takes below it, to the
         -- first one alone at its depth (on the path, as all above it: they stay as they
         -- are), and at least as far up as the message the summary ends at (read below).
         up AS (
           SELECT m.id, m.parent_id, c.id AS child, m.depth,
                  ${aloneOnPath('m', 'h.message_count')} AS settled, h.message_count AS count,
                  COALESCE(s.depth, m.depth) AS summary_depth
           FROM chosen c, target t JOIN message m ON m.id = t.parent_id
           JOIN chat h ON h.id = $1 LEFT JOIN message s ON s.id = h.summarized_through_id
           UNION ALL
           SELECT m.id, m.parent_id, u.id, m.depth, ${aloneOnPath('m', 'u.count')}, u.count,
                  u.summary_depth
           FROM up u JOIN message m ON m.id = u.parent_id
           WHERE NOT (u.settled AND u.depth <= u.summary_depth)),
         leaf AS (SELECT id, depth FROM down ORDER BY depth DESC LIMIT 1),
         linked AS (
           UPDATE message m SET active_child_id = u.child FROM up u
           WHERE m.id = u.id AND m.active_child_id IS DISTINCT FROM u.child
             AND (SELECT ok FROM free)),
         moved AS (
           UPDATE chat SET leaf_id = (SELECT id FROM leaf),
                           message_count = (SELECT depth FROM leaf), updated_at = now(),
                           -- The summary holds while the message it ends at is on the path.
                           summary = CASE WHEN summarized_through_id IS NULL
                                            OR summarized_through_id IN (SELECT id FROM up)
                                            OR summarized_through_id IN (SELECT id FROM down)
                                          THEN summary END,
                           summarized_through_id = CASE
                             WHEN summarized_through_id IN (SELECT id FROM up)
                               OR summarized_through_id IN (SELECT id FROM down)
                             THEN summarized_through_id END
           WHERE id = $1 AND EXISTS (SELECT 1 FROM leaf) AND (SELECT ok FROM free))
         SELECT EXISTS (SELECT 1 FROM target) AS found, (SELECT ok FROM free) AS free,
                (SELECT count(*) FROM siblings)::int AS count,
                EXISTS (SELECT 1 FROM chosen) AS chosen`,
        [chatId, messageId, index],
      );
      return (
        outcome(row) ??
        (row.chosen
          ? { status: 'done' as const }
          : { status: 'out_of_range' as const, count: row.count as number })
      );
    });
  }

  /** Rewrites a message in place (the user's or a character's); a summary covering it goes. */
  async edit(
    chatId: string,
    messageId: number,
    content: string,
  ): Promise<TreeChange<{ message: PathMessage }>> {
    return this.changing(chatId, async (manager) => {
      const [row] = await manager.query<Row[]>(
        `WITH RECURSIVE ${FREE}, ${SUMMARY_COVERS_TARGET},
         edited AS (
           -- Its stored count no longer holds: counted again when a context meets it.
           UPDATE message SET content = $3, tokens = NULL, edited_at = now()
           WHERE id = $2 AND chat_id = $1 AND (SELECT ok FROM free)
           RETURNING *),
         touched AS (
           UPDATE chat SET updated_at = now(), ${CLEAR_SUMMARY_IF('(SELECT yes FROM covered)')}
           WHERE id = $1 AND EXISTS (SELECT 1 FROM edited))
         SELECT EXISTS (SELECT 1 FROM message WHERE id = $2 AND chat_id = $1) AS found,
                f.ok AS free, p.*, ${ALTERNATIVES}
         FROM free f LEFT JOIN edited p ON true`,
        [chatId, messageId, content],
      );
      return outcome(row) ?? { status: 'done', message: toMessage(row) };
    });
  }

  /**
   * Deletes one message: its children move up to its parent (their subtree one level up), its
   * parent's active child becomes its own, and the leaf its parent when it was the leaf.
   */
  async remove(chatId: string, messageId: number): Promise<TreeChange> {
    return this.changing(chatId, async (manager) => {
      const [row] = await manager.query<Row[]>(
        `WITH RECURSIVE ${FREE}, ${SUMMARY_COVERS_TARGET},
         target AS (
           SELECT id, parent_id, active_child_id, depth FROM message
           WHERE id = $2 AND chat_id = $1 AND (SELECT ok FROM free)),
         below AS (
           SELECT m.id FROM target t JOIN message m ON m.parent_id = t.id
           UNION ALL
           SELECT m.id FROM below b JOIN message m ON m.parent_id = b.id),
         -- Moved before the delete's cascade runs (at the statement's end), which then finds
         -- no child left to take along.
         lifted AS (
           UPDATE message m
           SET depth = m.depth - 1,
               parent_id = CASE WHEN m.parent_id = t.id THEN t.parent_id ELSE m.parent_id END
           FROM below b, target t WHERE m.id = b.id),
         relinked AS (
           UPDATE message m SET active_child_id = t.active_child_id
           FROM target t WHERE m.id = t.parent_id AND m.active_child_id = t.id),
         removed AS (DELETE FROM message WHERE id = (SELECT id FROM target)),
         fixed AS (
           UPDATE chat c
           SET leaf_id = CASE WHEN c.leaf_id = t.id THEN t.parent_id ELSE c.leaf_id END,
               -- The leaf's depth: its parent's, or one less when it was below the message.
               message_count = CASE WHEN c.leaf_id = t.id THEN t.depth - 1
                                    WHEN c.leaf_id IN (SELECT id FROM below)
                                    THEN c.message_count - 1
                                    ELSE c.message_count END,
               updated_at = now(),
               ${CLEAR_SUMMARY_IF('(SELECT yes FROM covered)')}
           FROM target t WHERE c.id = $1)
         SELECT EXISTS (SELECT 1 FROM message WHERE id = $2 AND chat_id = $1) AS found,
                (SELECT ok FROM free) AS free`,
        [chatId, messageId],
      );
      return outcome(row) ?? { status: 'done' };
    });
  }

  /**
   * Rewinds the story to message `messageId` of its active path (`off_path` otherwise): the
   * next message on the path goes with everything below it, and the message becomes the leaf.
   */
  async rewind(chatId: string, messageId: number): Promise<TreeChange | { status: 'off_path' }> {
    return this.changing(chatId, async (manager) => {
      const [row] = await manager.query<Row[]>(
        `WITH RECURSIVE ${FREE},
         target AS (SELECT id, depth FROM message WHERE id = $2 AND chat_id = $1),
         ${PATH_FROM_LEAF_TO_TARGET},
         next AS (SELECT id FROM path WHERE parent_id = $2 AND (SELECT ok FROM free)),
         -- Its subtree goes by the cascade of parent_id; the target's active child is set
         -- null by the message table's trigger (tr_message_forget_active_child), the old
         -- leaf's pointer by chat's foreign key.
         removed AS (DELETE FROM message WHERE id = (SELECT id FROM next)),
         fixed AS (
           UPDATE chat SET leaf_id = $2, message_count = (SELECT depth FROM target),
                           updated_at = now(), ${CLEAR_SUMMARY_FROM('(SELECT id FROM next)')}
           WHERE id = $1 AND EXISTS (SELECT 1 FROM next))
         SELECT EXISTS (SELECT 1 FROM target) AS found, (SELECT ok FROM free) AS free,
                EXISTS (SELECT 1 FROM path WHERE id = $2) AS on_path`,
        [chatId, messageId],
      );
      return outcome(row) ?? (row.on_path ? { status: 'done' } : { status: 'off_path' });
    });
  }

  /**
   * A new chat like the original (owner, kind, members, persona, language, settings: every
   * column but the few below), titled `title`, whose messages are copies of the path from the
   * first message to `messageId`, in one statement (one step per message of the path). The
   * summary comes along when it ends on that path; the pinned notes always do. The original is only read: the statement's
   * snapshot is a consistent tree without a lock. Null when the chat has no such message.
   */
  async branch(chatId: string, messageId: number, title: string): Promise<ChatWithMembers | null> {
    const [row] = await this.dataSource.query<Row[]>(this.branchStatement, [
      chatId,
      messageId,
      title,
    ]);
    return row ? toChat(row) : null;
  }

  /** Who wrote message `messageId` of the chat and whether it is on the active path; null: none. */
  async placeOf(chatId: string, messageId: number): Promise<MessagePlace | null> {
    const [row] = await this.dataSource.query<Array<{ role: MessageRole; on_path: boolean }>>(
      `WITH RECURSIVE ${PATH_FROM_LEAF_TO_TARGET}
       SELECT m.role, EXISTS (SELECT 1 FROM path WHERE id = $2) AS on_path
       FROM message m WHERE m.id = $2 AND m.chat_id = $1`,
      [chatId, messageId],
    );
    return row ? { role: row.role, onActivePath: row.on_path } : null;
  }

  /**
   * Runs a change with the chat row locked (FOR UPDATE, as every statement changing its
   * messages locks it first), in a statement of its own: the change, whose snapshot is taken
   * once the lock is held, then sees every claim and message committed by whoever held the
   * chat before. In one statement the snapshot would predate them (a send claims the chat and
   * adds its message under that lock), and a claim taken meanwhile would go unseen.
   */
  private changing<T>(
    chatId: string,
    change: (manager: EntityManager) => Promise<T>,
  ): Promise<T | { status: 'missing' }> {
    return this.dataSource.transaction(async (manager) => {
      const [chat] = await manager.query<Row[]>(`SELECT id FROM chat WHERE id = $1 FOR UPDATE`, [
        chatId,
      ]);
      // Deleted since its owner was checked.
      if (!chat) return { status: 'missing' as const };
      return change(manager);
    });
  }
}

/** The columns of `entity` but `set` (those a copy sets itself), quoted. */
const copiedColumns = (
  dataSource: DataSource,
  entity: EntityTarget<ObjectLiteral>,
  set: string[],
): string[] =>
  dataSource
    .getMetadata(entity)
    .columns.map((column) => column.databaseName)
    .filter((name) => !set.includes(name))
    .map((name) => `"${name}"`);

/**
 * MessageTreeRepository.branch: $1 the chat, $2 the message, $3 the new chat's title. The copies'
 * ids are drawn first (the chat row names its leaf), then handed out in path order, so each
 * parent's id stays below its child's.
 */
function branchStatement(dataSource: DataSource): string {
  const chatColumns = copiedColumns(dataSource, ChatEntity, [
    'id',
    'title',
    'summary',
    'summary_edited_at',
    'summarized_through_id',
    // A branch starts without the original's opt-in to proactive messages.
    'proactive_after_hours',
    'message_count',
    'leaf_id',
    'created_at',
    'updated_at',
  ]);
  const memberColumns = copiedColumns(dataSource, ChatMemberEntity, ['chat_id']);
  const messageColumns = copiedColumns(dataSource, MessageEntity, [
    'id',
    'chat_id',
    'parent_id',
    'active_child_id',
    'depth',
  ]);
  const list = (columns: string[], alias = '') =>
    columns.map((column) => `${alias}${column}`).join(', ');
  return `WITH RECURSIVE path AS (
      SELECT m.* FROM message m WHERE m.id = $2 AND m.chat_id = $1
      UNION ALL
      SELECT m.* FROM path p JOIN message m ON m.id = p.parent_id),
    drawn AS (SELECT nextval(pg_get_serial_sequence('message', 'id')) AS id FROM path),
    ids AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM drawn),
    copies AS (
      SELECT i.id AS copy_id, i.n::int AS copy_depth,
             lag(i.id) OVER (ORDER BY i.n) AS copy_parent_id,
             lead(i.id) OVER (ORDER BY i.n) AS copy_active_child_id, p.*
      FROM (SELECT *, row_number() OVER (ORDER BY depth) AS n FROM path) p JOIN ids i USING (n)),
    c AS (
      INSERT INTO chat (${list(chatColumns)}, title, summary, summarized_through_id,
                        message_count, leaf_id)
      SELECT ${list(chatColumns, 's.')}, $3, CASE WHEN k.copy_id IS NOT NULL THEN s.summary END,
             k.copy_id, (SELECT count(*) FROM copies),
             (SELECT copy_id FROM copies ORDER BY copy_depth DESC LIMIT 1)
      FROM chat s LEFT JOIN copies k ON k.id = s.summarized_through_id
      WHERE s.id = $1 AND EXISTS (SELECT 1 FROM path)
      RETURNING *),
    members AS (
      INSERT INTO chat_member (chat_id, ${list(memberColumns)})
      SELECT c.id, ${list(memberColumns, 'cm.')} FROM c, chat_member cm WHERE cm.chat_id = $1),
    -- The user's pinned notes hold for the whole story: the branch carries them too.
    notes AS (
      INSERT INTO chat_note (chat_id, position, text)
      SELECT c.id, n.position, n.text FROM c, chat_note n WHERE n.chat_id = $1),
    inserted AS (
      INSERT INTO message (id, chat_id, parent_id, active_child_id, depth,
                           ${list(messageColumns)})
      OVERRIDING SYSTEM VALUE
      SELECT k.copy_id, c.id, k.copy_parent_id, k.copy_active_child_id, k.copy_depth,
             ${list(messageColumns, 'k.')}
      FROM copies k, c ORDER BY k.copy_depth)
    SELECT c.*,
           ARRAY(SELECT cm.character_id FROM chat_member cm WHERE cm.chat_id = $1
                 ORDER BY cm.position) AS member_ids
    FROM c`;
}
