import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every reply sets `active_child_id` twice (the start on the leaf, the save on the user's
 * message). With an index on that column each such update wrote a new entry for the row into
 * all ten indexes of message, the two GIN indexes of its text included (~30 WAL records,
 * ~7.7 KB, per update). The index was there only for the foreign key's ON DELETE SET NULL.
 * A message's active child is always one of its own children, so the one row that can point at
 * a deleted message is its parent, found by primary key: a row trigger does what the foreign
 * key did, and the updates become heap-only (HOT), given room on the row's page (fillfactor
 * 90; messages are written once and then changed only there).
 */
export class MessageActiveChildHot1763812100000 implements MigrationInterface {
  name = 'MessageActiveChildHot1763812100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message DROP CONSTRAINT fk_message_active_child`);
    await queryRunner.query(`DROP INDEX ix_message_active_child`);
    await queryRunner.query(`
      CREATE FUNCTION message_forget_active_child() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE message SET active_child_id = NULL
        WHERE id = OLD.parent_id AND active_child_id = OLD.id;
        RETURN NULL;
      END $$`);
    // After the statement's rows are gone: a parent deleted by the same statement (a subtree,
    // a whole chat) is not found, so a chat's deletion costs one index probe per message.
    await queryRunner.query(`
      CREATE TRIGGER tr_message_forget_active_child AFTER DELETE ON message
      FOR EACH ROW WHEN (OLD.parent_id IS NOT NULL)
      EXECUTE FUNCTION message_forget_active_child()`);
    await queryRunner.query(`ALTER TABLE message SET (fillfactor = 90)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message RESET (fillfactor)`);
    await queryRunner.query(`DROP TRIGGER tr_message_forget_active_child ON message`);
    await queryRunner.query(`DROP FUNCTION message_forget_active_child()`);
    await queryRunner.query(`
      UPDATE message m SET active_child_id = NULL
      WHERE active_child_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM message c WHERE c.id = m.active_child_id)`);
    await queryRunner.query(
      `CREATE INDEX ix_message_active_child ON message (active_child_id)
       WHERE active_child_id IS NOT NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE message ADD CONSTRAINT fk_message_active_child
        FOREIGN KEY (active_child_id) REFERENCES message (id) ON DELETE SET NULL`);
  }
}
