import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a reply's prompt remembered (issue #18): the ids of the character memories, pinned
 * notes and recalled messages it carried, `{facts, notes, messages}`, written by the statement
 * that saves the reply, so a frontend can show "remembered: …". Nullable without a default:
 * adding it rewrites no row; null is a reply that carried none (or one from before).
 */
export class MemoryUsed1763809750000 implements MigrationInterface {
  name = 'MemoryUsed1763809750000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message ADD COLUMN memory_used jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message DROP COLUMN memory_used`);
  }
}
