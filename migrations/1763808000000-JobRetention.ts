import type { MigrationInterface, QueryRunner } from 'typeorm';

export class JobRetention1763808000000 implements MigrationInterface {
  name = 'JobRetention1763808000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The daily cleanup deletes finished jobs by age: their payloads hold what users typed
    // (a password-reset job carries the address asked for, known or not).
    await queryRunner.query(
      `CREATE INDEX ix_job_finished ON job (updated_at) WHERE status IN ('done', 'failed')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_job_finished`);
  }
}
