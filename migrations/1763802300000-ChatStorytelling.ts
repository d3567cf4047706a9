import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ChatStorytelling1763802300000 implements MigrationInterface {
  name = 'ChatStorytelling1763802300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The summary covers the messages up to summarized_through_id; the context sends only later
    // ones. summarizing_until claims the chat for one summarizer at a time, across instances
    // (a lease: a crashed summarizer's claim simply runs out).
    await queryRunner.query(`
      ALTER TABLE chat
        ADD COLUMN summarized_through_id bigint,
        ADD COLUMN summarizing_until timestamptz`);
    // The lorebook entries a reply's prompt carried, as [{id, name}].
    await queryRunner.query(`ALTER TABLE message ADD COLUMN lorebook_entries jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message DROP COLUMN lorebook_entries`);
    await queryRunner.query(`
      ALTER TABLE chat DROP COLUMN summarizing_until, DROP COLUMN summarized_through_id`);
  }
}
