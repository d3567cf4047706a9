import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CardFidelity1763808600000 implements MigrationInterface {
  name = 'CardFidelity1763808600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A card's own prompts are columns: the prompt builder reads them for every reply, and a
    // creator edits them like the other definition fields. Everything else a card carries that
    // no column holds (creator, version, notes, dates, assets, tags as written, unknown fields)
    // is kept in card_extras, so an exported card gives it back unchanged.
    await queryRunner.query(`
      ALTER TABLE character
        ADD COLUMN system_prompt text NOT NULL DEFAULT '',
        ADD COLUMN post_history_instructions text NOT NULL DEFAULT '',
        ADD COLUMN card_extras jsonb NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE character
        DROP COLUMN card_extras,
        DROP COLUMN post_history_instructions,
        DROP COLUMN system_prompt`);
  }
}
