import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EmailVerified1763804000000 implements MigrationInterface {
  name = 'EmailVerified1763804000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // When the account proved it owns its email (Google sign-in with a verified address, or a
    // completed password reset). ADMIN_EMAILS grants admin only to proven addresses, and a
    // Google link to an unproven account drops its password (pre-hijacking).
    await queryRunner.query(`ALTER TABLE app_user ADD COLUMN email_verified_at timestamptz`);
    // Google accounts were only ever created or linked for addresses Google had verified;
    // admins already hold the role, so an upgrade does not demote the operators (with no mail
    // configured, a password reset could not prove their address).
    await queryRunner.query(
      `UPDATE app_user SET email_verified_at = now()
       WHERE oauth_provider = 'google' OR role = 'admin'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE app_user DROP COLUMN email_verified_at`);
  }
}
