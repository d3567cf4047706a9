import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NoChatCampaign1763808900002 implements MigrationInterface {
  name = 'NoChatCampaign1763808900002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A campaign is a character tagged 'dnd' (free or structured tag): there is no campaign
    // entity for chat.campaign_id to point at, and nothing ever wrote it. The chat response
    // keeps `campaign_id`, always null, for older clients.
    await queryRunner.query(`ALTER TABLE chat DROP COLUMN campaign_id`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE chat ADD COLUMN campaign_id uuid`);
  }
}
