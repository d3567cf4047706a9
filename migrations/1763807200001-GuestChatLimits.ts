import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GuestChatLimits1763807200001 implements MigrationInterface {
  name = 'GuestChatLimits1763807200001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Guest sessions cost nothing to mint, so a guest's chats raise a character's chat count
    // once per session and character: the first insert here wins, the others do nothing.
    await queryRunner.query(`
      CREATE TABLE guest_chat_credit (
        anon_session_id uuid NOT NULL,
        character_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_guest_chat_credit PRIMARY KEY (anon_session_id, character_id),
        CONSTRAINT fk_guest_chat_credit_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_guest_chat_credit_created ON guest_chat_credit (created_at)`,
    );
    // The daily cleanup's scan for guest chats idle past the retention period.
    await queryRunner.query(
      `CREATE INDEX ix_chat_guest_idle ON chat (updated_at) WHERE anon_session_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_chat_guest_idle`);
    await queryRunner.query(`DROP TABLE guest_chat_credit`);
  }
}
