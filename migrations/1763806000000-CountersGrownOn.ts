import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CountersGrownOn1763806000000 implements MigrationInterface {
  name = 'CountersGrownOn1763806000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The UTC day a character's base counters last grew, so a retried or repeated daily run
    // grows each character once that day (as trending_decayed_on does for the decay).
    await queryRunner.query(`ALTER TABLE character ADD COLUMN counters_grown_on date`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE character DROP COLUMN counters_grown_on`);
  }
}
