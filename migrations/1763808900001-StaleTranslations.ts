import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StaleTranslations1763808900001 implements MigrationInterface {
  name = 'StaleTranslations1763808900001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // An edit of a character's text no longer drops its translations: they stay, listed here as
    // older than the text, until the translation job replaces each one.
    await queryRunner.query(`
      ALTER TABLE character ADD COLUMN stale_languages text[] NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE character DROP COLUMN stale_languages`);
  }
}
