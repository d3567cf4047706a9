import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BackgroundLlmSpend1763807100000 implements MigrationInterface {
  name = 'BackgroundLlmSpend1763807100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Tokens spent on LLM work besides chat replies, per UTC day, across instances; changed
    // only by single atomic statements. alerted_at: the one mail of the day went out.
    await queryRunner.query(`
      CREATE TABLE llm_background_spend (
        day date NOT NULL,
        tokens bigint NOT NULL DEFAULT 0,
        alerted_at timestamptz,
        CONSTRAINT pk_llm_background_spend PRIMARY KEY (day),
        CONSTRAINT ck_llm_background_spend_tokens CHECK (tokens >= 0)
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE llm_background_spend`);
  }
}
