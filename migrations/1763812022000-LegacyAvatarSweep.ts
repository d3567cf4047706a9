import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queues, once, the sweep that re-encodes avatar files stored before uploads were re-encoded
 * (AvatarSweepService; the type, payload and dedupe key are its first batch's). Only where a
 * character refers to a stored avatar: a new installation has no file from before.
 */
export class LegacyAvatarSweep1763812022000 implements MigrationInterface {
  name = 'LegacyAvatarSweep1763812022000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO job (type, payload, dedupe_key, max_attempts)
       SELECT 'avatars.reencode-legacy', '{"after": null}'::jsonb, 'legacy', 5
       WHERE EXISTS (SELECT 1 FROM character WHERE avatar_url LIKE '/api/avatars/%')
       ON CONFLICT (type, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL
       DO NOTHING`,
    );
  }

  public async down(): Promise<void> {
    // Files re-encoded are not put back as they were; the job is data, not schema.
  }
}
