import type { MigrationInterface, QueryRunner } from 'typeorm';

export class JobAdmin1763808400001 implements MigrationInterface {
  name = 'JobAdmin1763808400001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // GET /api/admin/jobs?state= lists one state newest first; the finished jobs of the
    // retention period would otherwise be read whole to find the few failed ones.
    await queryRunner.query(`CREATE INDEX ix_job_status_newest ON job (status, id DESC)`);
    // POST /api/admin/jobs/{id}/retry is an admin write like the others.
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate', 'job.retry'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM admin_audit WHERE action = 'job.retry'`);
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate'))`);
    await queryRunner.query(`DROP INDEX ix_job_status_newest`);
  }
}
