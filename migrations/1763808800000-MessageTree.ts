import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages form a tree (issue #17): each names the message it follows (`parent_id`) and the
 * child last active below it (`active_child_id`); the chat names the end of its active path
 * (`leaf_id`). Existing chats become linear trees. A parent always has a smaller id than its
 * children, which the context and the summary rely on (see src/chat/README.md).
 */
export class MessageTree1763808800000 implements MigrationInterface {
  name = 'MessageTree1763808800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE message
        ADD COLUMN parent_id bigint,
        ADD COLUMN active_child_id bigint,
        ADD COLUMN depth integer,
        ADD COLUMN edited_at timestamptz`);
    await queryRunner.query(`ALTER TABLE chat ADD COLUMN leaf_id bigint`);
    // One pass over the messages in chat order: each follows the previous one of its chat.
    await queryRunner.query(`
      UPDATE message m
      SET parent_id = l.parent_id, active_child_id = l.child_id, depth = l.depth
      FROM (SELECT id,
                   lag(id) OVER (PARTITION BY chat_id ORDER BY id) AS parent_id,
                   lead(id) OVER (PARTITION BY chat_id ORDER BY id) AS child_id,
                   row_number() OVER (PARTITION BY chat_id ORDER BY id) AS depth
            FROM message) l
      WHERE l.id = m.id`);
    // The message's place on its path (1: an opening): a chat's message_count is its leaf's.
    await queryRunner.query(`
      ALTER TABLE message
        ALTER COLUMN depth SET NOT NULL,
        ADD CONSTRAINT ck_message_depth CHECK (depth >= 1)`);
    await queryRunner.query(`
      UPDATE chat c SET message_count = (SELECT count(*) FROM message m WHERE m.chat_id = c.id)`);
    await queryRunner.query(`
      UPDATE chat c SET leaf_id = l.id
      FROM (SELECT chat_id, max(id) AS id FROM message GROUP BY chat_id) l
      WHERE l.chat_id = c.id`);
    // A node's children in id order (siblings: their count, each one's position; the cascade
    // of a deleted parent), and a chat's roots (its openings) likewise.
    await queryRunner.query(`CREATE INDEX ix_message_parent ON message (parent_id, id)`);
    await queryRunner.query(
      `CREATE INDEX ix_message_chat_roots ON message (chat_id, id) WHERE parent_id IS NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE message
        ADD CONSTRAINT fk_message_parent
          FOREIGN KEY (parent_id) REFERENCES message (id) ON DELETE CASCADE,
        ADD CONSTRAINT fk_message_active_child
          FOREIGN KEY (active_child_id) REFERENCES message (id) ON DELETE SET NULL`);
    await queryRunner.query(`
      ALTER TABLE chat ADD CONSTRAINT fk_chat_leaf
        FOREIGN KEY (leaf_id) REFERENCES message (id) ON DELETE SET NULL`);
    // The SET NULL of a deleted message's pointers looks these up.
    await queryRunner.query(
      `CREATE INDEX ix_message_active_child ON message (active_child_id)
       WHERE active_child_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_chat_leaf ON chat (leaf_id) WHERE leaf_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Back to a log: only the active paths' messages keep their place; other branches go.
    await queryRunner.query(`
      WITH RECURSIVE path AS (
        SELECT m.id, m.parent_id FROM chat c JOIN message m ON m.id = c.leaf_id
        UNION ALL
        SELECT m.id, m.parent_id FROM path p JOIN message m ON m.id = p.parent_id)
      DELETE FROM message m
      WHERE NOT EXISTS (SELECT 1 FROM path p WHERE p.id = m.id)
        AND EXISTS (SELECT 1 FROM chat c WHERE c.id = m.chat_id AND c.leaf_id IS NOT NULL)`);
    await queryRunner.query(`
      UPDATE chat c SET message_count = (SELECT count(*) FROM message m WHERE m.chat_id = c.id)`);
    await queryRunner.query(`ALTER TABLE chat DROP CONSTRAINT fk_chat_leaf`);
    await queryRunner.query(`DROP INDEX ix_chat_leaf`);
    await queryRunner.query(`ALTER TABLE chat DROP COLUMN leaf_id`);
    await queryRunner.query(`
      ALTER TABLE message
        DROP CONSTRAINT fk_message_parent,
        DROP CONSTRAINT fk_message_active_child`);
    await queryRunner.query(`DROP INDEX ix_message_active_child`);
    await queryRunner.query(`DROP INDEX ix_message_parent`);
    await queryRunner.query(`DROP INDEX ix_message_chat_roots`);
    await queryRunner.query(`
      ALTER TABLE message DROP COLUMN parent_id, DROP COLUMN active_child_id,
                          DROP COLUMN depth, DROP COLUMN edited_at`);
  }
}
