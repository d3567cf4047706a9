import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MessageQuota1763800400000 implements MigrationInterface {
  name = 'MessageQuota1763800400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One counter per subject (user:<id> or anon:<session>) and period (a UTC day, or 'all'
    // for guests), changed only by single atomic statements.
    await queryRunner.query(`
      CREATE TABLE message_quota (
        subject text NOT NULL,
        period text NOT NULL,
        used integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_message_quota PRIMARY KEY (subject, period),
        CONSTRAINT ck_message_quota_used CHECK (used >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX ix_message_quota_updated ON message_quota (updated_at)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE message_quota`);
  }
}
