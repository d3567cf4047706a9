import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OneResetTokenPerUser1763805500000 implements MigrationInterface {
  name = 'OneResetTokenPerUser1763805500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Two reset requests at once could each keep their own link; one row per user is now a
    // constraint the request's upsert relies on. The newest link of each user stays.
    await queryRunner.query(`
      DELETE FROM password_reset_token t
      USING password_reset_token newer
      WHERE newer.user_id = t.user_id
        AND (newer.created_at, newer.id) > (t.created_at, t.id)`);
    await queryRunner.query(`DROP INDEX ix_password_reset_token_user`);
    await queryRunner.query(
      `ALTER TABLE password_reset_token
       ADD CONSTRAINT uq_password_reset_token_user UNIQUE (user_id)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE password_reset_token DROP CONSTRAINT uq_password_reset_token_user`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_password_reset_token_user ON password_reset_token (user_id)`,
    );
  }
}
