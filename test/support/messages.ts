/** Something that runs SQL: a TypeORM DataSource or a pg client. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface NewMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
  characterId?: string | null;
}

/**
 * Appends messages to the end of a chat's active path, as a conversation would have: each
 * follows the previous one (the first, the chat's leaf), the last becomes the leaf. One
 * statement, for fixtures of any length. The chat is not locked first: an UPDATE of a row
 * the same statement locked re-evaluates its subqueries, which would draw the ids again.
 */
export async function appendToPath(
  db: Queryable,
  chatId: string,
  messages: readonly NewMessage[],
): Promise<void> {
  await db.query(
    `WITH c AS (SELECT id, leaf_id, message_count FROM chat WHERE id = $1),
     drawn AS (
       SELECT nextval(pg_get_serial_sequence('message', 'id')) AS id, r.role, r.content,
              r.character_id, r.n
       FROM (SELECT * FROM unnest($2::text[], $3::text[], $4::uuid[])
                     WITH ORDINALITY AS r (role, content, character_id, n)
             ORDER BY n) r),
     linked AS (
       SELECT d.*, lag(d.id) OVER (ORDER BY d.n) AS prev, lead(d.id) OVER (ORDER BY d.n) AS next
       FROM drawn d),
     inserted AS (
       INSERT INTO message (id, chat_id, parent_id, active_child_id, depth, role, character_id,
                            content)
       OVERRIDING SYSTEM VALUE
       SELECT l.id, c.id, COALESCE(l.prev, c.leaf_id), l.next, c.message_count + l.n, l.role,
              l.character_id, l.content
       FROM linked l, c ORDER BY l.n),
     old_leaf AS (
       UPDATE message SET active_child_id = (SELECT id FROM linked WHERE n = 1)
       WHERE id = (SELECT leaf_id FROM c))
     UPDATE chat SET leaf_id = (SELECT id FROM linked ORDER BY n DESC LIMIT 1),
                     message_count = message_count + cardinality($2::text[])
     WHERE id = $1`,
    [
      chatId,
      messages.map((message) => message.role),
      messages.map((message) => message.content),
      messages.map((message) => message.characterId ?? null),
    ],
  );
}
