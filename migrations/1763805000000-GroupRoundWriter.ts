import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GroupRoundWriter1763805000000 implements MigrationInterface {
  name = 'GroupRoundWriter1763805000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The instance writing a group chat's round, so a stop asked of another one reaches it.
    await queryRunner.query(`ALTER TABLE group_chat ADD COLUMN reply_instance uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE group_chat DROP COLUMN reply_instance`);
  }
}
