import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Story controls (issue #17): a chat's own settings (model, sampling, reply length, author's
 * note) as one JSON object the reply path reads with the chat row; a group member can be muted
 * (it sits rounds out); a user's chat preferences (default model and reply length) that a new
 * chat's settings start from. The preferred language and the default persona already have
 * their places (app_user.preferred_language, persona.is_default).
 */
export class ChatControls1763809000000 implements MigrationInterface {
  name = 'ChatControls1763809000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE chat
        ADD COLUMN settings jsonb NOT NULL DEFAULT '{}',
        ADD CONSTRAINT ck_chat_settings CHECK (jsonb_typeof(settings) = 'object')`);
    await queryRunner.query(
      `ALTER TABLE chat_member ADD COLUMN muted boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`
      CREATE TABLE user_preference (
        user_id uuid NOT NULL,
        model text,
        max_tokens integer,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_user_preference PRIMARY KEY (user_id),
        CONSTRAINT fk_user_preference_user
          FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT ck_user_preference_max_tokens CHECK (max_tokens BETWEEN 1 AND 32768)
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE user_preference`);
    await queryRunner.query(`ALTER TABLE chat_member DROP COLUMN muted`);
    await queryRunner.query(
      `ALTER TABLE chat DROP CONSTRAINT ck_chat_settings, DROP COLUMN settings`,
    );
  }
}
