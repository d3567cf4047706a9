import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AdminAlerts1763808700000 implements MigrationInterface {
  name = 'AdminAlerts1763808700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per condition the admins are mailed about (every LLM provider failing, one
    // provider's failure rate, a scheduled task failing). Every instance watches; raising or
    // resolving one is one statement on its row, so one mail goes out per change whichever
    // instances see it, and a condition that lasts is mailed again at most hourly (mailed_at).
    await queryRunner.query(`
      CREATE TABLE admin_alert (
        key text PRIMARY KEY,
        opened_at timestamptz NOT NULL,
        mailed_at timestamptz NOT NULL,
        resolved_at timestamptz
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE admin_alert`);
  }
}
