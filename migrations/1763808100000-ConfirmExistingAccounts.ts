import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConfirmExistingAccounts1763808100000 implements MigrationInterface {
  name = 'ConfirmExistingAccounts1763808100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Password accounts registered before confirmation mails existed were never offered one,
    // yet a reset or Google sign-in by the address's owner releases them
    // (ReleasedAccounts1763807300000): queue each the mail registration now sends. The type,
    // payload, dedupe key and attempts are EmailVerificationService.queueConfirmation's; the
    // job skips an account confirmed, released or disabled by the time it runs.
    await queryRunner.query(
      `INSERT INTO job (type, payload, dedupe_key, max_attempts)
       SELECT 'auth.email-confirmation-mail', jsonb_build_object('userId', id), id::text, 3
       FROM app_user
       WHERE password_hash IS NOT NULL AND oauth_id IS NULL
         AND email_verified_at IS NULL AND released_at IS NULL AND disabled_at IS NULL
         AND email NOT LIKE '%@system.local'
       ON CONFLICT (type, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL
       DO NOTHING`,
    );
  }

  public async down(): Promise<void> {
    // Mails queued or sent are not taken back; the jobs are data, not schema.
  }
}
