import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full-text search over a user's messages (GET /api/chats/search). The `simple` configuration
 * lower-cases words and stems none, so every chat language (ru, en, es, fr, de, pt, it) is
 * searched alike; ChatSearchRepository matches this exact expression.
 */
export class MessageSearch1763809100000 implements MigrationInterface {
  name = 'MessageSearch1763809100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_message_search ON message USING gin (to_tsvector('simple', content))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_message_search`);
  }
}
