import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message embeddings for recall's re-ranking (issue #18 item 3), when an embeddings endpoint is
 * configured: a plain float4 array and the model that made it, so no extension is needed
 * (embedded PostgreSQL has no pgvector) and a model change shows as vectors of another model.
 * Nullable without a default: adding them rewrites no row. A vector says what its text said:
 * the trigger clears it when the content changes (an edit, a continuation), and the
 * background job embeds the message again.
 */
export class MessageEmbeddings1763810000000 implements MigrationInterface {
  name = 'MessageEmbeddings1763810000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE message ADD COLUMN embedding real[], ADD COLUMN embedding_model text`,
    );
    await queryRunner.query(`
      CREATE FUNCTION message_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.embedding := NULL;
        NEW.embedding_model := NULL;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_message_embedding_stale
      BEFORE UPDATE OF content ON message
      FOR EACH ROW WHEN (OLD.content IS DISTINCT FROM NEW.content)
      EXECUTE FUNCTION message_embedding_stale()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_message_embedding_stale ON message`);
    await queryRunner.query(`DROP FUNCTION message_embedding_stale()`);
    await queryRunner.query(
      `ALTER TABLE message DROP COLUMN embedding, DROP COLUMN embedding_model`,
    );
  }
}
