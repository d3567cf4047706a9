import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CatalogueTaskDays1763806000000 implements MigrationInterface {
  name = 'CatalogueTaskDays1763806000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The UTC day a character's base counters last grew, so a retried or repeated daily run
    // grows each character once that day (as trending_decayed_on does for the decay).
    await queryRunner.query(`ALTER TABLE character ADD COLUMN counters_grown_on date`);
    // The day highlights were last asked for in vain: such characters wait behind the others
    // instead of taking the whole daily batch again.
    await queryRunner.query(`ALTER TABLE character ADD COLUMN highlights_tried_on date`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE character DROP COLUMN highlights_tried_on`);
    await queryRunner.query(`ALTER TABLE character DROP COLUMN counters_grown_on`);
  }
}
