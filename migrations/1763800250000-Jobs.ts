import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Jobs1763800250000 implements MigrationInterface {
  name = 'Jobs1763800250000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE job (
        id bigserial NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 5,
        run_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        dedupe_key text,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_job PRIMARY KEY (id),
        CONSTRAINT ck_job_status CHECK (status IN ('pending', 'running', 'done', 'failed'))
      )`);
    // Workers claim the oldest due job; finished ones stay for inspection until cleanup.
    await queryRunner.query(`CREATE INDEX ix_job_due ON job (run_at, id) WHERE status = 'pending'`);
    await queryRunner.query(
      `CREATE INDEX ix_job_expired_lock ON job (locked_until) WHERE status = 'running'`,
    );
    // At most one queued job per dedupe key (e.g. one translation per character at a time).
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_job_dedupe ON job (type, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE job`);
  }
}
