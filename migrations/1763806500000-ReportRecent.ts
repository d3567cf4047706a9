import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReportRecent1763806500000 implements MigrationInterface {
  name = 'ReportRecent1763806500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The admins' report list without a status filter, newest first: ix_report_status_recent
    // leads with the status and cannot give that order.
    await queryRunner.query(`CREATE INDEX ix_report_recent ON report (created_at DESC, id DESC)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_report_recent`);
  }
}
