import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Chat1763800500000 implements MigrationInterface {
  name = 'Chat1763800500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE chat (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        character_id uuid NOT NULL,
        persona_name text,
        persona_description text,
        anon_session_id uuid,
        campaign_id uuid,
        title text,
        language text NOT NULL DEFAULT 'en',
        summary text,
        message_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_chat PRIMARY KEY (id),
        CONSTRAINT fk_chat_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_chat_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT ck_chat_language
          CHECK (language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')),
        CONSTRAINT ck_chat_message_count CHECK (message_count >= 0)
      )`);
    // "My chats" (most recent first) and "my latest chat with this character", for accounts
    // and for guest sessions; guest chats all share the anonymous system user, hence their own.
    await queryRunner.query(
      `CREATE INDEX ix_chat_user_recent ON chat (user_id, updated_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_chat_user_character ON chat (user_id, character_id, updated_at DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_chat_anon_recent ON chat (anon_session_id, updated_at DESC, id DESC)
       WHERE anon_session_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_chat_anon_character ON chat (anon_session_id, character_id, updated_at DESC)
       WHERE anon_session_id IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX ix_chat_character ON chat (character_id)`);

    await queryRunner.query(`
      CREATE TABLE message (
        id bigint GENERATED ALWAYS AS IDENTITY,
        chat_id uuid NOT NULL,
        role text NOT NULL,
        content text NOT NULL,
        status text NOT NULL DEFAULT 'complete',
        model_used text,
        prompt_tokens integer,
        completion_tokens integer,
        dice_rolls jsonb,
        encounter_state jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_message PRIMARY KEY (id),
        CONSTRAINT fk_message_chat FOREIGN KEY (chat_id) REFERENCES chat (id) ON DELETE CASCADE,
        CONSTRAINT ck_message_role CHECK (role IN ('user', 'assistant', 'system')),
        CONSTRAINT ck_message_status CHECK (status IN ('complete', 'stopped'))
      )`);
    // The latest N messages, and the N before a given id: both one index range scan.
    await queryRunner.query(`CREATE INDEX ix_message_chat_recent ON message (chat_id, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE chat_generation (
        chat_id uuid NOT NULL,
        instance_id uuid NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_chat_generation PRIMARY KEY (chat_id),
        CONSTRAINT fk_chat_generation_chat FOREIGN KEY (chat_id) REFERENCES chat (id) ON DELETE CASCADE
      )`);
    // Each instance renews the heartbeat of all its replies in one statement.
    await queryRunner.query(
      `CREATE INDEX ix_chat_generation_instance ON chat_generation (instance_id)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE chat_generation`);
    await queryRunner.query(`DROP TABLE message`);
    await queryRunner.query(`DROP TABLE chat`);
  }
}
