import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SummaryJobs1763808400000 implements MigrationInterface {
  name = 'SummaryJobs1763808400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Summaries run as jobs (chat.summarize, one pending per chat): the queue's claim replaces
    // the chat's own lease, and the boundary check of the save keeps two runs from both
    // landing.
    await queryRunner.query(`ALTER TABLE chat DROP COLUMN summarizing_until`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE chat ADD COLUMN summarizing_until timestamptz`);
  }
}
