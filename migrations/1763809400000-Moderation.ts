import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Moderation1763809400000 implements MigrationInterface {
  name = 'Moderation1763809400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A public character whose text moderation finds borderline waits for a moderator
    // (pending) instead of being listed; a rejected one stays private with the reason its
    // owner is shown. Either way it is not public, so every catalogue, page and sitemap query
    // (all gated on is_public) leaves it out.
    await queryRunner.query(`
      ALTER TABLE character
        ADD COLUMN moderation_status text NOT NULL DEFAULT 'clear',
        ADD COLUMN moderation_reason text,
        ADD CONSTRAINT ck_character_moderation_status
          CHECK (moderation_status IN ('clear', 'pending', 'rejected')),
        ADD CONSTRAINT ck_character_moderation_private
          CHECK (moderation_status = 'clear' OR NOT is_public)`);
    // What moderation held for a person: a character's review (one pending per character) or
    // a chat message's hits; decided rows are the queue's history.
    await queryRunner.query(`
      CREATE TABLE moderation_flag (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        stage text NOT NULL,
        character_id uuid,
        message_id bigint,
        chat_id uuid,
        user_id uuid,
        hits jsonb NOT NULL DEFAULT '[]',
        score double precision NOT NULL DEFAULT 0,
        excerpt text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'pending',
        decision_reason text,
        decided_by uuid,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_moderation_flag PRIMARY KEY (id),
        CONSTRAINT fk_moderation_flag_character FOREIGN KEY (character_id)
          REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT fk_moderation_flag_message FOREIGN KEY (message_id)
          REFERENCES message (id) ON DELETE CASCADE,
        CONSTRAINT fk_moderation_flag_chat FOREIGN KEY (chat_id)
          REFERENCES chat (id) ON DELETE CASCADE,
        CONSTRAINT fk_moderation_flag_user FOREIGN KEY (user_id)
          REFERENCES app_user (id) ON DELETE SET NULL,
        CONSTRAINT fk_moderation_flag_decided_by FOREIGN KEY (decided_by)
          REFERENCES app_user (id) ON DELETE SET NULL,
        CONSTRAINT ck_moderation_flag_kind CHECK (kind IN ('character', 'message')),
        CONSTRAINT ck_moderation_flag_stage CHECK (stage IN ('character', 'input', 'output')),
        CONSTRAINT ck_moderation_flag_status CHECK (status IN ('pending', 'approved', 'rejected',
          'unpublished', 'deleted', 'withdrawn')),
        CONSTRAINT ck_moderation_flag_target CHECK (
          (kind = 'character' AND character_id IS NOT NULL) OR
          (kind = 'message' AND message_id IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX uq_moderation_flag_pending_character ON moderation_flag (character_id)
      WHERE kind = 'character' AND status = 'pending'`);
    // The queue: pending oldest first, decided latest first.
    await queryRunner.query(
      `CREATE INDEX ix_moderation_flag_queue ON moderation_flag (status, created_at)`,
    );
    // The foreign keys' own lookups (cascades, a character's latest review).
    await queryRunner.query(
      `CREATE INDEX ix_moderation_flag_character ON moderation_flag (character_id, created_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_moderation_flag_message ON moderation_flag (message_id)
       WHERE message_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_moderation_flag_chat ON moderation_flag (chat_id) WHERE chat_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_moderation_flag_user ON moderation_flag (user_id) WHERE user_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_moderation_flag_decided_by ON moderation_flag (decided_by)
       WHERE decided_by IS NOT NULL`,
    );
    // A moderator's decision is an admin write like the others.
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate', 'job.retry',
          'ban.lift', 'moderation.decide'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM admin_audit WHERE action = 'moderation.decide'`);
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate', 'job.retry',
          'ban.lift'))`);
    await queryRunner.query(`DROP TABLE moderation_flag`);
    await queryRunner.query(`
      ALTER TABLE character
        DROP CONSTRAINT ck_character_moderation_private,
        DROP CONSTRAINT ck_character_moderation_status,
        DROP COLUMN moderation_reason,
        DROP COLUMN moderation_status`);
  }
}
