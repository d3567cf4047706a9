import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReleasedAccounts1763807300000 implements MigrationInterface {
  name = 'ReleasedAccounts1763807300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // An account whose email was never proven gives the address up when its owner proves it
    // (Google or a password reset): the owner starts on a fresh account, and this one keeps
    // what was made on it, disabled, under a placeholder address. released_email says which
    // address it held, so support can find it if its content was the owner's after all.
    await queryRunner.query(
      `ALTER TABLE app_user ADD COLUMN released_at timestamptz, ADD COLUMN released_email citext`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE app_user DROP COLUMN released_at, DROP COLUMN released_email`,
    );
  }
}
