import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each message's token count (o200k_base, TokenEstimator), written by the statement that saves
 * the message, so a context build counts nothing old. Nullable without a default: adding it
 * rewrites no row; rows from before it are counted when a context build meets them.
 */
export class MessageTokens1763809700000 implements MigrationInterface {
  name = 'MessageTokens1763809700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message ADD COLUMN tokens integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE message DROP COLUMN tokens`);
  }
}
