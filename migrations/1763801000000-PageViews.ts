import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PageViews1763801000000 implements MigrationInterface {
  name = 'PageViews1763801000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Views of character pages, kept 90 days (the daily cleanup deletes older ones).
    await queryRunner.query(`
      CREATE TABLE page_view (
        id bigint GENERATED ALWAYS AS IDENTITY,
        character_id uuid NOT NULL,
        lang text,
        viewed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_page_view PRIMARY KEY (id),
        CONSTRAINT fk_page_view_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_page_view_viewed_at ON page_view (viewed_at)`);
    await queryRunner.query(
      `CREATE INDEX ix_page_view_character ON page_view (character_id, viewed_at)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE page_view`);
  }
}
