import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RowChangeNotifications1763809800000 implements MigrationInterface {
  name = 'RowChangeNotifications1763809800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Instances keep short copies of rows they read on every request (the caller's account,
    // the character a reply speaks as);
    // this tells every instance, on commit, that one changed (src/common/row-changes). A
    // trigger rather than the services: every writer is covered, an admin's SQL included.
    await queryRunner.query(`
      CREATE FUNCTION notify_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('row_changed', TG_TABLE_NAME || ':' || OLD.id);
        RETURN NULL;
      END $$`);
    // Only the columns the access guard reads: the daily token counters change on every
    // reply and must not empty the copy each time.
    await queryRunner.query(`
      CREATE TRIGGER app_user_changed
        AFTER UPDATE OF email, role, tier, password_changed_at, disabled_at ON app_user
        FOR EACH ROW
        WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.role IS DISTINCT FROM NEW.role
              OR OLD.tier IS DISTINCT FROM NEW.tier
              OR OLD.password_changed_at IS DISTINCT FROM NEW.password_changed_at
              OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
        EXECUTE FUNCTION notify_row_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER app_user_deleted AFTER DELETE ON app_user
        FOR EACH ROW EXECUTE FUNCTION notify_row_changed()`);
    // Any column but the counters chats, votes and likes bump and the catalogue's upkeep
    // columns (a reply reads none of them).
    await queryRunner.query(`
      CREATE TRIGGER character_changed AFTER UPDATE ON character
        FOR EACH ROW
        WHEN (to_jsonb(OLD) - '{real_chat_count,base_chat_count,real_like_count,base_like_count,
                                vote_score,fork_count,trending_score,trending_decayed_on,
                                counters_grown_on,highlights,highlights_tried_on}'::text[]
              IS DISTINCT FROM
              to_jsonb(NEW) - '{real_chat_count,base_chat_count,real_like_count,base_like_count,
                                vote_score,fork_count,trending_score,trending_decayed_on,
                                counters_grown_on,highlights,highlights_tried_on}'::text[])
        EXECUTE FUNCTION notify_row_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER character_deleted AFTER DELETE ON character
        FOR EACH ROW EXECUTE FUNCTION notify_row_changed()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER character_deleted ON character`);
    await queryRunner.query(`DROP TRIGGER character_changed ON character`);
    await queryRunner.query(`DROP TRIGGER app_user_deleted ON app_user`);
    await queryRunner.query(`DROP TRIGGER app_user_changed ON app_user`);
    await queryRunner.query(`DROP FUNCTION notify_row_changed()`);
  }
}
