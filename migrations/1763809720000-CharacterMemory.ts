import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Character memories: durable facts a character keeps about one user, learned from their chats
 * (the `memory.extract` job) or written by the user. A fact learned in a chat goes with that
 * chat; all go with the account or the character. A contradicted fact stays as history,
 * `superseded_by` the one that replaced it.
 */
export class CharacterMemory1763809720000 implements MigrationInterface {
  name = 'CharacterMemory1763809720000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE character_memory (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_character_memory PRIMARY KEY,
        user_id uuid NOT NULL
          CONSTRAINT fk_character_memory_user REFERENCES app_user (id) ON DELETE CASCADE,
        character_id uuid NOT NULL
          CONSTRAINT fk_character_memory_character REFERENCES character (id) ON DELETE CASCADE,
        chat_id uuid CONSTRAINT fk_character_memory_chat REFERENCES chat (id) ON DELETE CASCADE,
        chat_only boolean NOT NULL DEFAULT false,
        kind text NOT NULL,
        text text NOT NULL,
        importance smallint NOT NULL DEFAULT 3,
        source_message_ids bigint[] NOT NULL DEFAULT '{}',
        pinned boolean NOT NULL DEFAULT false,
        superseded_by bigint
          CONSTRAINT fk_character_memory_superseded REFERENCES character_memory (id)
          ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_character_memory_kind CHECK (kind IN
          ('person', 'relationship', 'event', 'promise', 'preference', 'item', 'place')),
        CONSTRAINT ck_character_memory_text CHECK (length(text) BETWEEN 1 AND 500),
        CONSTRAINT ck_character_memory_importance CHECK (importance BETWEEN 1 AND 5))`);
    // The prompt's and the list's query: a user's current facts about a character, best first.
    await queryRunner.query(`
      CREATE INDEX ix_character_memory_current ON character_memory
        (user_id, character_id, pinned DESC, importance DESC, id DESC)
      WHERE superseded_by IS NULL`);
    // The chat's deletion (cascade) and its export.
    await queryRunner.query(
      `CREATE INDEX ix_character_memory_chat ON character_memory (chat_id) WHERE chat_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_character_memory_superseded ON character_memory (superseded_by)
       WHERE superseded_by IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE character_memory`);
  }
}
