import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GroupChats1763803000000 implements MigrationInterface {
  name = 'GroupChats1763803000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE group_chat (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        title text,
        language text NOT NULL DEFAULT 'en',
        message_count integer NOT NULL DEFAULT 0,
        reply_claim uuid,
        reply_heartbeat_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_group_chat PRIMARY KEY (id),
        CONSTRAINT fk_group_chat_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT ck_group_chat_language
          CHECK (language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')),
        CONSTRAINT ck_group_chat_message_count CHECK (message_count >= 0),
        CONSTRAINT ck_group_chat_reply_claim
          CHECK ((reply_claim IS NULL) = (reply_heartbeat_at IS NULL))
      )`);
    // "My group chats", most recent activity first.
    await queryRunner.query(
      `CREATE INDEX ix_group_chat_user_recent ON group_chat (user_id, updated_at DESC, id DESC)`,
    );

    // Members in speaking order; the primary key serves "members of these group chats".
    await queryRunner.query(`
      CREATE TABLE group_chat_member (
        group_chat_id uuid NOT NULL,
        position smallint NOT NULL,
        character_id uuid NOT NULL,
        CONSTRAINT pk_group_chat_member PRIMARY KEY (group_chat_id, position),
        CONSTRAINT uq_group_chat_member_character UNIQUE (group_chat_id, character_id),
        CONSTRAINT fk_group_chat_member_group_chat
          FOREIGN KEY (group_chat_id) REFERENCES group_chat (id) ON DELETE CASCADE,
        CONSTRAINT fk_group_chat_member_character
          FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT ck_group_chat_member_position CHECK (position BETWEEN 0 AND 2)
      )`);
    // For the cascade when a character row goes.
    await queryRunner.query(
      `CREATE INDEX ix_group_chat_member_character ON group_chat_member (character_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE group_message (
        id bigint GENERATED ALWAYS AS IDENTITY,
        group_chat_id uuid NOT NULL,
        role text NOT NULL,
        character_id uuid,
        content text NOT NULL,
        status text NOT NULL DEFAULT 'complete',
        model_used text,
        prompt_tokens integer,
        completion_tokens integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_group_message PRIMARY KEY (id),
        CONSTRAINT fk_group_message_group_chat
          FOREIGN KEY (group_chat_id) REFERENCES group_chat (id) ON DELETE CASCADE,
        CONSTRAINT fk_group_message_character
          FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE SET NULL,
        CONSTRAINT ck_group_message_role CHECK (role IN ('user', 'assistant')),
        CONSTRAINT ck_group_message_status CHECK (status IN ('complete', 'stopped')),
        CONSTRAINT ck_group_message_character CHECK (role = 'assistant' OR character_id IS NULL)
      )`);
    // The latest N messages, and the N before a given id: one index range scan each.
    await queryRunner.query(
      `CREATE INDEX ix_group_message_group_chat_recent ON group_message (group_chat_id, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_group_message_character ON group_message (character_id)
       WHERE character_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE group_message`);
    await queryRunner.query(`DROP TABLE group_chat_member`);
    await queryRunner.query(`DROP TABLE group_chat`);
  }
}
