import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bookkeeping columns: their changes never drop the anonymous catalogue cache, which lets
 * counters lag for its TTL (CatalogueCache). Every other column's change does.
 */
const COUNTERS = [
  'real_chat_count',
  'real_like_count',
  'vote_score',
  'fork_count',
  'trending_score',
  'base_chat_count',
  'base_like_count',
  'updated_at',
  'trending_decayed_on',
  'counters_grown_on',
  'highlights_tried_on',
];

/**
 * NOTIFY catalogue_changed whenever a change to the character table could alter what anonymous
 * visitors see, from whichever code, task or instance writes it: a public character inserted,
 * deleted, or updated in anything but its counters; a private one made public. Each API
 * instance LISTENs and drops its anonymous catalogue cache (src/characters/catalogue-cache.service.ts).
 * The payload is empty, so PostgreSQL folds a transaction's notifications into one, however
 * many rows it changes; drafts nobody else sees notify nothing.
 */
export class CatalogueChanges1763809900000 implements MigrationInterface {
  name = 'CatalogueChanges1763809900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const without = (row: 'OLD' | 'NEW') =>
      `(to_jsonb(${row}) - ARRAY[${COUNTERS.map((c) => `'${c}'`).join(', ')}])`;
    await queryRunner.query(`
      CREATE FUNCTION notify_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('catalogue_changed', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_character_catalogue_insert AFTER INSERT ON character
      FOR EACH ROW WHEN (NEW.is_public) EXECUTE FUNCTION notify_catalogue_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER tr_character_catalogue_delete AFTER DELETE ON character
      FOR EACH ROW WHEN (OLD.is_public) EXECUTE FUNCTION notify_catalogue_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER tr_character_catalogue_update AFTER UPDATE ON character
      FOR EACH ROW WHEN ((OLD.is_public OR NEW.is_public) AND ${without('OLD')} IS DISTINCT FROM ${without('NEW')})
      EXECUTE FUNCTION notify_catalogue_changed()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_character_catalogue_update ON character`);
    await queryRunner.query(`DROP TRIGGER tr_character_catalogue_delete ON character`);
    await queryRunner.query(`DROP TRIGGER tr_character_catalogue_insert ON character`);
    await queryRunner.query(`DROP FUNCTION notify_catalogue_changed()`);
  }
}
