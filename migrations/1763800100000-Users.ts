import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Users1763800100000 implements MigrationInterface {
  name = 'Users1763800100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // text + CHECK rather than enum types: adding a value later is one constraint swap.
    await queryRunner.query(`
      CREATE TABLE app_user (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        email citext NOT NULL,
        password_hash text,
        role text NOT NULL DEFAULT 'user',
        tier text NOT NULL DEFAULT 'free',
        oauth_provider text,
        oauth_id text,
        display_name text,
        preferred_language text NOT NULL DEFAULT 'en',
        tokens_used_today integer NOT NULL DEFAULT 0,
        tokens_used_month integer NOT NULL DEFAULT 0,
        tokens_reset_date date,
        adult_confirmed_at timestamptz,
        password_changed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_app_user PRIMARY KEY (id),
        CONSTRAINT uq_app_user_email UNIQUE (email),
        CONSTRAINT uq_app_user_oauth UNIQUE (oauth_provider, oauth_id),
        CONSTRAINT ck_app_user_role CHECK (role IN ('user', 'admin')),
        CONSTRAINT ck_app_user_tier CHECK (tier IN ('free', 'premium', 'admin')),
        CONSTRAINT ck_app_user_language
          CHECK (preferred_language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')),
        CONSTRAINT ck_app_user_oauth CHECK ((oauth_provider IS NULL) = (oauth_id IS NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE password_reset_token (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_password_reset_token PRIMARY KEY (id),
        CONSTRAINT uq_password_reset_token_hash UNIQUE (token_hash),
        CONSTRAINT fk_password_reset_token_user FOREIGN KEY (user_id)
          REFERENCES app_user (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_password_reset_token_user ON password_reset_token (user_id)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE password_reset_token`);
    await queryRunner.query(`DROP TABLE app_user`);
  }
}
