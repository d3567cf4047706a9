import type { MigrationInterface, QueryRunner } from 'typeorm';

export class HiddenDefinitions1763808900000 implements MigrationInterface {
  name = 'HiddenDefinitions1763808900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A creator may publish a character without its definition: others see its name,
    // description, greetings, tags and avatar, and cannot export or fork it; chats use it all.
    await queryRunner.query(`
      ALTER TABLE character ADD COLUMN definition_hidden boolean NOT NULL DEFAULT false`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE character DROP COLUMN definition_hidden`);
  }
}
