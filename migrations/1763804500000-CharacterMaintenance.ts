import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CharacterMaintenance1763804500000 implements MigrationInterface {
  name = 'CharacterMaintenance1763804500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Which engagements already raised a character's trending score: one credit per user,
    // character and kind, so unfavorite/refavorite or vote cycles cannot pump it.
    await queryRunner.query(`
      CREATE TABLE trending_credit (
        user_id uuid NOT NULL,
        character_id uuid NOT NULL,
        kind text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_trending_credit PRIMARY KEY (user_id, character_id, kind),
        CONSTRAINT fk_trending_credit_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_trending_credit_character FOREIGN KEY (character_id) REFERENCES character (id) ON DELETE CASCADE,
        CONSTRAINT ck_trending_credit_kind CHECK (kind IN ('vote', 'favorite', 'fork', 'chat'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_trending_credit_character ON trending_credit (character_id)`,
    );
    // Engagement from before this table counts as credited already.
    await queryRunner.query(`
      INSERT INTO trending_credit (user_id, character_id, kind)
      SELECT user_id, character_id, 'favorite' FROM favorite
      UNION SELECT user_id, character_id, 'vote' FROM vote WHERE value = 1
      UNION SELECT owner_id, forked_from_id, 'fork' FROM character WHERE forked_from_id IS NOT NULL
      UNION SELECT user_id, character_id, 'chat' FROM chat WHERE anon_session_id IS NULL`);

    // The UTC day the daily task last decayed this row's trending score: a re-run the same
    // day (or after a crash halfway) skips the rows already done.
    await queryRunner.query(`ALTER TABLE character ADD COLUMN trending_decayed_on date`);

    // Forks share their source's avatar file: replacing one avatar asks whether any other
    // character still uses the old file before deleting it.
    await queryRunner.query(
      `CREATE INDEX ix_character_avatar_url ON character (avatar_url) WHERE avatar_url IS NOT NULL`,
    );

    // Free and structured tags as one lower-cased, sorted, duplicate-free set. Indexed, so the
    // weekly relationships task finds characters sharing two given tags with one GIN lookup
    // (@> ARRAY[t1, t2]) instead of comparing every pair of characters. fastupdate is off:
    // rows in a GIN pending list are rechecked by calling the function per row, which made
    // the lookups of a run ten times slower until the next vacuum.
    await queryRunner.query(`
      CREATE FUNCTION character_tag_set(tags text[], structured_tags text[]) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ARRAY(SELECT DISTINCT lower(t) FROM unnest(tags || structured_tags) AS t ORDER BY 1) $$`);
    await queryRunner.query(
      `CREATE INDEX ix_character_tag_set ON character USING gin (character_tag_set(tags, structured_tags))
       WITH (fastupdate = off) WHERE is_public AND deleted_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_character_tag_set`);
    await queryRunner.query(`DROP FUNCTION character_tag_set(text[], text[])`);
    await queryRunner.query(`DROP INDEX ix_character_avatar_url`);
    await queryRunner.query(`ALTER TABLE character DROP COLUMN trending_decayed_on`);
    await queryRunner.query(`DROP TABLE trending_credit`);
  }
}
