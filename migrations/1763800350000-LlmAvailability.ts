import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LlmAvailability1763800350000 implements MigrationInterface {
  name = 'LlmAvailability1763800350000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // At most one row per provider and per model: rows are upserted, never accumulated.
    await queryRunner.query(`
      CREATE TABLE llm_provider_block (
        provider text PRIMARY KEY,
        blocked_until timestamptz NOT NULL,
        reason text NOT NULL,
        last_error text,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE llm_model_cooldown (
        provider text NOT NULL,
        model text NOT NULL,
        until timestamptz NOT NULL,
        last_error text,
        PRIMARY KEY (provider, model)
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE llm_model_cooldown`);
    await queryRunner.query(`DROP TABLE llm_provider_block`);
  }
}
