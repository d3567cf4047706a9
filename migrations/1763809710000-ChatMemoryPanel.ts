import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The memory panel (GET/PUT /api/chats/{id}/memory): when the user last wrote the summary
 * (the summarizer folds new messages into their text and never saves over an edit made while
 * it ran), and the notes the user pins to the chat, carried by every prompt of it.
 */
export class ChatMemoryPanel1763809710000 implements MigrationInterface {
  name = 'ChatMemoryPanel1763809710000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE chat ADD COLUMN summary_edited_at timestamptz`);
    await queryRunner.query(`
      CREATE TABLE chat_note (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_chat_note PRIMARY KEY,
        chat_id uuid NOT NULL CONSTRAINT fk_chat_note_chat REFERENCES chat (id) ON DELETE CASCADE,
        position integer NOT NULL,
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_chat_note_text CHECK (length(text) BETWEEN 1 AND 4000))`);
    // The panel and every prompt list a chat's notes in order.
    await queryRunner.query(`CREATE INDEX ix_chat_note_chat ON chat_note (chat_id, position)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE chat_note`);
    await queryRunner.query(`ALTER TABLE chat DROP COLUMN summary_edited_at`);
  }
}
