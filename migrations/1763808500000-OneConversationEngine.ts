import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One conversation model for both kinds (issue #16): a group chat becomes a `chat` of kind
 * 'group' with its characters in `chat_member`, and its messages join `message`, which now
 * names the character who spoke. Every statement is set-based; the migration runs in one
 * transaction, so a failure leaves the old tables as they were.
 */
export class OneConversationEngine1763808500000 implements MigrationInterface {
  name = 'OneConversationEngine1763808500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Writes to the group tables wait until this commits: a message saved between the copy
    // below and the DROP would otherwise be lost. (chat and message are locked by their ALTERs.)
    await queryRunner.query(
      `LOCK TABLE group_chat, group_chat_member, group_message IN EXCLUSIVE MODE`,
    );
    // A group chat whose members were all deleted by hand has no lead to become a chat with:
    // stop rather than drop it silently.
    await queryRunner.query(`
      DO $$
      DECLARE
        memberless integer;
      BEGIN
        SELECT count(*) INTO memberless FROM group_chat g
        WHERE NOT EXISTS (SELECT 1 FROM group_chat_member m WHERE m.group_chat_id = g.id);
        IF memberless > 0 THEN
          RAISE EXCEPTION '% group chat(s) have no members and cannot become chats: delete them or give them a member, then migrate again', memberless;
        END IF;
      END $$`);

    await queryRunner.query(`
      ALTER TABLE chat
        ADD COLUMN kind text NOT NULL DEFAULT 'direct',
        ADD CONSTRAINT ck_chat_kind CHECK (kind IN ('direct', 'group'))`);
    await queryRunner.query(`ALTER TABLE message ADD COLUMN character_id uuid`);
    // Foreign keys are added after the rows are in: one validating join instead of a
    // trigger call per inserted or updated row.
    await queryRunner.query(`
      CREATE TABLE chat_member (
        chat_id uuid NOT NULL,
        position smallint NOT NULL,
        character_id uuid NOT NULL,
        CONSTRAINT pk_chat_member PRIMARY KEY (chat_id, position),
        CONSTRAINT uq_chat_member_character UNIQUE (chat_id, character_id),
        CONSTRAINT ck_chat_member_position CHECK (position BETWEEN 0 AND 2)
      )`);

    // Direct chats: their one character is member 0 and spoke every assistant message.
    await queryRunner.query(
      `INSERT INTO chat_member (chat_id, position, character_id)
       SELECT id, 0, character_id FROM chat`,
    );
    await queryRunner.query(`
      UPDATE message m SET character_id = c.character_id
      FROM chat c
      WHERE c.id = m.chat_id AND m.role = 'assistant'`);

    // Group chats keep their ids (links and clients hold them); the lead is the member who
    // speaks first. Persona and guest session stay null: group chats had neither.
    await queryRunner.query(`
      INSERT INTO chat (id, user_id, character_id, kind, title, language, message_count,
                        created_at, updated_at)
      SELECT g.id, g.user_id, lead.character_id, 'group', g.title, g.language, g.message_count,
             g.created_at, g.updated_at
      FROM group_chat g
      CROSS JOIN LATERAL (
        SELECT character_id FROM group_chat_member m
        WHERE m.group_chat_id = g.id ORDER BY m.position LIMIT 1
      ) lead`);
    // Positions may have gaps (a member's character row deleted): renumber 0..n-1 in order.
    await queryRunner.query(`
      INSERT INTO chat_member (chat_id, position, character_id)
      SELECT group_chat_id, row_number() OVER (PARTITION BY group_chat_id ORDER BY position) - 1,
             character_id
      FROM group_chat_member`);
    // Old ids collide with message ids, so new ones are drawn; drawing them in old-id order
    // keeps each chat's order (pages and "before id" walk the ids). The rows are new, so
    // nothing else pointed at them: reply claims (reply_claim) are dropped with the table.
    await queryRunner.query(`
      INSERT INTO message (chat_id, role, character_id, content, status, model_used,
                           prompt_tokens, completion_tokens, created_at)
      SELECT group_chat_id, role, character_id, content, status, model_used,
             prompt_tokens, completion_tokens, created_at
      FROM group_message
      ORDER BY id`);

    await queryRunner.query(`
      ALTER TABLE chat_member
        ADD CONSTRAINT fk_chat_member_chat
          FOREIGN KEY (chat_id) REFERENCES chat (id) ON DELETE CASCADE,
        ADD CONSTRAINT fk_chat_member_character
          FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE`);
    // For the cascade when a character row goes.
    await queryRunner.query(`CREATE INDEX ix_chat_member_character ON chat_member (character_id)`);
    await queryRunner.query(`
      ALTER TABLE message
        ADD CONSTRAINT fk_message_character
          FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE SET NULL,
        ADD CONSTRAINT ck_message_character CHECK (role <> 'user' OR character_id IS NULL)`);
    // For the SET NULL when a character row goes; user messages (null) stay out of it.
    await queryRunner.query(
      `CREATE INDEX ix_message_character ON message (character_id) WHERE character_id IS NOT NULL`,
    );
    // The deprecated group list (/api/group-chats), most recent activity first.
    await queryRunner.query(
      `CREATE INDEX ix_chat_group_recent ON chat (user_id, updated_at DESC, id DESC)
       WHERE kind = 'group'`,
    );

    await queryRunner.query(`DROP TABLE group_message, group_chat_member, group_chat`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The group tables as GroupChats1763803000000 and GroupRoundWriter1763805000000 left them.
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
        reply_instance uuid,
        CONSTRAINT pk_group_chat PRIMARY KEY (id),
        CONSTRAINT fk_group_chat_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT ck_group_chat_language
          CHECK (language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')),
        CONSTRAINT ck_group_chat_message_count CHECK (message_count >= 0),
        CONSTRAINT ck_group_chat_reply_claim
          CHECK ((reply_claim IS NULL) = (reply_heartbeat_at IS NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_group_chat_user_recent ON group_chat (user_id, updated_at DESC, id DESC)`,
    );
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
    await queryRunner.query(
      `CREATE INDEX ix_group_message_group_chat_recent ON group_message (group_chat_id, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_group_message_character ON group_message (character_id)
       WHERE character_id IS NOT NULL`,
    );

    // Best effort: what only the one model has (persona, summary, campaign, dice, lorebook
    // entries, system messages, a round in flight) does not survive the way back.
    await queryRunner.query(`
      INSERT INTO group_chat (id, user_id, title, language, message_count, created_at, updated_at)
      SELECT id, user_id, title, language, message_count, created_at, updated_at
      FROM chat WHERE kind = 'group'`);
    await queryRunner.query(`
      INSERT INTO group_chat_member (group_chat_id, position, character_id)
      SELECT m.chat_id, m.position, m.character_id
      FROM chat_member m JOIN chat c ON c.id = m.chat_id
      WHERE c.kind = 'group'`);
    // Drawn in id order, as on the way up, so each chat's order is kept.
    await queryRunner.query(`
      INSERT INTO group_message (group_chat_id, role, character_id, content, status, model_used,
                                 prompt_tokens, completion_tokens, created_at)
      SELECT m.chat_id, m.role, CASE WHEN m.role = 'assistant' THEN m.character_id END,
             m.content, m.status, m.model_used, m.prompt_tokens, m.completion_tokens, m.created_at
      FROM message m JOIN chat c ON c.id = m.chat_id
      WHERE c.kind = 'group' AND m.role IN ('user', 'assistant')
      ORDER BY m.id`);
    // Their messages, members and claims go with them (ON DELETE CASCADE).
    await queryRunner.query(`DELETE FROM chat WHERE kind = 'group'`);

    await queryRunner.query(`DROP INDEX ix_chat_group_recent`);
    await queryRunner.query(`DROP INDEX ix_message_character`);
    await queryRunner.query(`
      ALTER TABLE message
        DROP CONSTRAINT ck_message_character,
        DROP CONSTRAINT fk_message_character,
        DROP COLUMN character_id`);
    await queryRunner.query(`DROP TABLE chat_member`);
    await queryRunner.query(`ALTER TABLE chat DROP CONSTRAINT ck_chat_kind, DROP COLUMN kind`);
  }
}
