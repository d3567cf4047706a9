import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recall searches a chat's messages in the chat's language (issue #18): `recall_vector` is the
 * message's text in its chat's text-search configuration (stemmed, stop words left out), kept
 * by a trigger on every insert and edit, so no writer has to know about it and no search
 * computes a tsvector. A chat's language never changes after creation.
 *
 * ix_message_recall is built with fastupdate off: with the default pending list, every search
 * also scanned up to 4 MB of not-yet-merged entries (18 ms of a 20 ms recall at 100,000
 * messages, bench/README.md); a message write merges its few lexemes at once instead.
 */
export class RecallLanguage1763809770000 implements MigrationInterface {
  name = 'RecallLanguage1763809770000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The chat languages (ck_chat_language) and their configurations; any other: simple.
    await queryRunner.query(`
      CREATE FUNCTION recall_text_config(language text) RETURNS regconfig
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE language
        WHEN 'en' THEN 'pg_catalog.english'::regconfig
        WHEN 'ru' THEN 'pg_catalog.russian'::regconfig
        WHEN 'de' THEN 'pg_catalog.german'::regconfig
        WHEN 'fr' THEN 'pg_catalog.french'::regconfig
        WHEN 'es' THEN 'pg_catalog.spanish'::regconfig
        WHEN 'it' THEN 'pg_catalog.italian'::regconfig
        WHEN 'pt' THEN 'pg_catalog.portuguese'::regconfig
        ELSE 'pg_catalog.simple'::regconfig
      END`);
    await queryRunner.query(`ALTER TABLE message ADD COLUMN recall_vector tsvector`);
    await queryRunner.query(`
      CREATE FUNCTION message_recall_vector() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.recall_vector := to_tsvector(
          recall_text_config((SELECT c.language FROM chat c WHERE c.id = NEW.chat_id)),
          NEW.content);
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_message_recall_vector
      BEFORE INSERT OR UPDATE OF content ON message
      FOR EACH ROW EXECUTE FUNCTION message_recall_vector()`);
    await queryRunner.query(`
      UPDATE message m SET recall_vector = to_tsvector(recall_text_config(c.language), m.content)
      FROM chat c WHERE c.id = m.chat_id`);
    await queryRunner.query(
      `CREATE INDEX ix_message_recall ON message USING gin (recall_vector) WITH (fastupdate = off)`,
    );
    // A recalled message alone at its depth in its chat (not deeper than the leaf) is on the
    // active path without walking up to the root: the path has one message at every depth.
    await queryRunner.query(`CREATE INDEX ix_message_chat_depth ON message (chat_id, depth)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_message_chat_depth`);
    await queryRunner.query(`DROP INDEX ix_message_recall`);
    await queryRunner.query(`DROP TRIGGER tr_message_recall_vector ON message`);
    await queryRunner.query(`DROP FUNCTION message_recall_vector()`);
    await queryRunner.query(`ALTER TABLE message DROP COLUMN recall_vector`);
    await queryRunner.query(`DROP FUNCTION recall_text_config(text)`);
  }
}
