import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Admin1763800600000 implements MigrationInterface {
  name = 'Admin1763800600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Set while an admin has disabled the account: no sign-in, and its tokens are refused.
    await queryRunner.query(`ALTER TABLE app_user ADD COLUMN disabled_at timestamptz`);
    // The admin user list: newest first, and a substring search over email and display name
    // (trigrams keep "%term%" off a sequential scan); the expression matches UsersRepository.
    await queryRunner.query(
      `CREATE INDEX ix_app_user_created ON app_user (created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_app_user_search ON app_user
         USING gin (lower(email::text || ' ' || coalesce(display_name, '')) gin_trgm_ops)`,
    );

    // One row per admin write. The actor's email is copied so the trail outlives the account.
    await queryRunner.query(`
      CREATE TABLE admin_audit (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        actor_id uuid,
        actor_email citext NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        before jsonb,
        after jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_admin_audit PRIMARY KEY (id),
        CONSTRAINT fk_admin_audit_actor FOREIGN KEY (actor_id)
          REFERENCES app_user (id) ON DELETE SET NULL,
        CONSTRAINT ck_admin_audit_action CHECK (action IN
          ('prompt.set', 'prompt.clear', 'setting.update', 'report.update', 'user.update'))
      )`);
    // The audit list, unfiltered and by action, newest first (the id breaks ties for paging).
    await queryRunner.query(
      `CREATE INDEX ix_admin_audit_recent ON admin_audit (created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_admin_audit_action_recent ON admin_audit (action, created_at DESC, id DESC)`,
    );
    // For ON DELETE SET NULL when an account goes.
    await queryRunner.query(`CREATE INDEX ix_admin_audit_actor ON admin_audit (actor_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE admin_audit`);
    await queryRunner.query(`DROP INDEX ix_app_user_search`);
    await queryRunner.query(`DROP INDEX ix_app_user_created`);
    await queryRunner.query(`ALTER TABLE app_user DROP COLUMN disabled_at`);
  }
}
