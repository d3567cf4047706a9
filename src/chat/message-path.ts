/**
 * SQL for walking a chat's message tree. The active path runs from the chat's leaf up through
 * each message's parent; a walk takes one primary-key lookup per step, so its cost is the
 * number of messages it returns, whatever the size of the tree.
 */

/**
 * A recursive CTE `path` (put it in a `WITH RECURSIVE`): the messages from `start` up its
 * ancestors, at most `limit` of them, only those with an id above `after` (a parent's id is
 * always smaller than its children's, so this stops at the summary's boundary). `n` numbers
 * them from 1 (start). The three arguments are SQL expressions (parameters, columns).
 */
export const activePath = (start: string, limit: string, after: string): string => `path AS (
  SELECT m.*, 1 AS n FROM message m WHERE m.id = ${start} AND m.id > ${after}
  UNION ALL
  SELECT m.*, p.n + 1 FROM path p JOIN message m ON m.id = p.parent_id
  WHERE p.n < ${limit} AND m.id > ${after})`;

/**
 * For a message `p` of the path: how many siblings it has (itself included) and its position
 * among them, by id (ix_message_parent; a chat's roots: ix_message_chat_roots).
 */
export const ALTERNATIVES = `CASE WHEN p.parent_id IS NULL
    THEN (SELECT count(*) FROM message s WHERE s.chat_id = p.chat_id AND s.parent_id IS NULL)
    ELSE (SELECT count(*) FROM message s WHERE s.parent_id = p.parent_id) END::int
    AS alternative_count,
  CASE WHEN p.parent_id IS NULL
    THEN (SELECT count(*) FROM message s
          WHERE s.chat_id = p.chat_id AND s.parent_id IS NULL AND s.id < p.id)
    ELSE (SELECT count(*) FROM message s WHERE s.parent_id = p.parent_id AND s.id < p.id) END::int
    AS alternative_index`;

/** How far up the active path the user's last message is looked for. */
export const LAST_USER_WALK = 100;

/**
 * A recursive CTE `up`: from `start` up the active path until the first user message, at
 * most LAST_USER_WALK steps (a group round has a reply per member between two user messages).
 * `chat` is the chat's id (an SQL expression): a start in another chat finds nothing.
 */
export const upToUserMessage = (start: string, chat: string): string => `up AS (
  SELECT m.id, m.parent_id, m.role, m.depth, 1 AS n FROM message m
  WHERE m.id = ${start} AND m.chat_id = ${chat}
  UNION ALL
  SELECT m.id, m.parent_id, m.role, m.depth, u.n + 1 FROM up u JOIN message m ON m.id = u.parent_id
  WHERE u.role <> 'user' AND u.n < ${LAST_USER_WALK})`;

/**
 * SQL: whether message `m` (an alias) is on its chat's active path without a walk: alone at its
 * depth in its chat and not below the leaf (`count`: the chat's message_count, an SQL
 * expression). The path has one message at every depth down to the leaf, so such a message is
 * on it (one probe of ix_message_chat_depth). Swipes, edits and branches leave several
 * messages at a depth: those are walked up, and a walk can stop at the first ancestor this
 * holds for, since everything above it is the path.
 */
export const aloneOnPath = (m: string, count: string): string => `(${m}.depth <= ${count}
  AND NOT EXISTS (SELECT 1 FROM message o
                  WHERE o.chat_id = ${m}.chat_id AND o.depth = ${m}.depth AND o.id <> ${m}.id))`;

/**
 * The recursive CTE `walk` (in a `WITH RECURSIVE`, strayOpenings after it) of a path check:
 * `start` selects the first row of each walk (`source, [more carried columns,] id, parent_id,
 * n = 1, ok = true, settled, count` — settled: aloneOnPath, count: the chat's message_count),
 * and each step goes up while the parent names the child as its active one (`ok`), stopping
 * after the first message alone at its depth (on the path, and so is all above it) or `limit`
 * steps. `carried` lists the columns after which id follows (`w.source` and any more). A source
 * is off the path where a row of its walk is not ok or is a stray opening.
 */
export const walkUp = (start: string, limit: string, carried = 'w.source'): string => `walk AS (
  ${start}
  UNION ALL
  SELECT ${carried}, p.id, p.parent_id, w.n + 1, COALESCE(p.active_child_id = w.id, false),
         ${aloneOnPath('p', 'w.count')}, w.count
  FROM walk w JOIN message p ON p.id = w.parent_id
  WHERE w.ok AND NOT w.settled AND w.n < ${limit})`;

/**
 * CTEs (in a `WITH RECURSIVE`, after `walk`) for a path check that walks up from a message,
 * each step `ok` while the parent names the child as its active child (`walk`: rows with `id`,
 * `parent_id`, `ok`). Such a walk proves a message is on its chat's active path only up to its
 * opening: an alternate greeting left for another keeps its branch, every pointer intact. So an
 * opening a walk reached must be the chat's only one, or the one the walk up from the chat's
 * leaf ends at (at most `limit` steps, and only for chats with several openings; unfinished:
 * taken as on the path). Gives `stray_openings (id)`: the reached openings off their path.
 */
export const strayOpenings = (limit: string): string => `
  reached_openings AS (
    SELECT DISTINCT m.id, m.chat_id FROM walk w JOIN message m ON m.id = w.id
    WHERE w.parent_id IS NULL AND w.ok),
  contested AS (
    SELECT DISTINCT r.chat_id FROM reached_openings r
    WHERE EXISTS (SELECT 1 FROM message o
                  WHERE o.chat_id = r.chat_id AND o.parent_id IS NULL AND o.id <> r.id)),
  from_leaf AS (
    SELECT c.id AS chat_id, m.id, m.parent_id, 1 AS n
    FROM contested x JOIN chat c ON c.id = x.chat_id JOIN message m ON m.id = c.leaf_id
    UNION ALL
    SELECT f.chat_id, p.id, p.parent_id, f.n + 1
    FROM from_leaf f JOIN message p ON p.id = f.parent_id WHERE f.n < ${limit}),
  stray_openings AS (
    SELECT r.id FROM reached_openings r
    JOIN from_leaf f ON f.chat_id = r.chat_id AND f.parent_id IS NULL AND f.id <> r.id)`;
