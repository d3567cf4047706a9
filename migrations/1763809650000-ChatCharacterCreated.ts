import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The creators' daily digest counts a character's chats started since yesterday: chats by
 * character and creation time. It serves every lookup of chats by character too, so it
 * replaces ix_chat_character.
 */
export class ChatCharacterCreated1763809650000 implements MigrationInterface {
  name = 'ChatCharacterCreated1763809650000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_chat_character_created ON chat (character_id, created_at)`,
    );
    await queryRunner.query(`DROP INDEX ix_chat_character`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX ix_chat_character ON chat (character_id)`);
    await queryRunner.query(`DROP INDEX ix_chat_character_created`);
  }
}
