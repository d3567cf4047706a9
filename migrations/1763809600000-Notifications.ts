import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1763809600000 implements MigrationInterface {
  name = 'Notifications1763809600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // What happened for a user. `batch_key` folds events into one row (forks of a character in
    // a day: `count` grows) or keeps one forever (a vote milestone); null: one row per event.
    await queryRunner.query(`
      CREATE TABLE notification (
        id bigserial NOT NULL,
        user_id uuid NOT NULL,
        type text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        batch_key text,
        count integer NOT NULL DEFAULT 1,
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_notification PRIMARY KEY (id),
        CONSTRAINT fk_notification_user FOREIGN KEY (user_id)
          REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT ck_notification_count CHECK (count >= 1)
      )`);
    // "My notifications, newest first" and "my unread, newest first" (and their count).
    await queryRunner.query(`CREATE INDEX ix_notification_user ON notification (user_id, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX ix_notification_user_unread ON notification (user_id, id DESC)
       WHERE read_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_notification_batch ON notification (user_id, type, batch_key)
       WHERE batch_key IS NOT NULL`,
    );
    // A user's choices; no row is the defaults.
    await queryRunner.query(`
      CREATE TABLE notification_settings (
        user_id uuid NOT NULL,
        muted_types text[] NOT NULL DEFAULT '{}',
        weekly_digest boolean NOT NULL DEFAULT false,
        creator_digest boolean NOT NULL DEFAULT false,
        time_zone text NOT NULL DEFAULT 'UTC',
        quiet_start smallint NOT NULL DEFAULT 22,
        quiet_end smallint NOT NULL DEFAULT 9,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_notification_settings PRIMARY KEY (user_id),
        CONSTRAINT fk_notification_settings_user FOREIGN KEY (user_id)
          REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT ck_notification_settings_quiet
          CHECK (quiet_start BETWEEN 0 AND 23 AND quiet_end BETWEEN 0 AND 23)
      )`);
    // One digest per user, kind and period: the row is written with the mail, so a second
    // job of the same period (another instance, a retry) finds it and sends nothing.
    await queryRunner.query(`
      CREATE TABLE digest_delivery (
        user_id uuid NOT NULL,
        kind text NOT NULL,
        period text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_digest_delivery PRIMARY KEY (user_id, kind, period),
        CONSTRAINT fk_digest_delivery_user FOREIGN KEY (user_id)
          REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT ck_digest_delivery_kind CHECK (kind IN ('weekly', 'creator_daily'))
      )`);
    // Proactive messages: opt-in per chat (hours of absence before the character writes; null
    // is off), and the messages themselves marked.
    await queryRunner.query(`
      ALTER TABLE chat ADD COLUMN proactive_after_hours integer,
        ADD CONSTRAINT ck_chat_proactive_after_hours
          CHECK (proactive_after_hours IS NULL OR proactive_after_hours BETWEEN 1 AND 720)`);
    await queryRunner.query(
      `CREATE INDEX ix_chat_proactive ON chat (updated_at) WHERE proactive_after_hours IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE message ADD COLUMN proactive boolean NOT NULL DEFAULT false`,
    );
    // A user's proactive messages of the day (the daily cap).
    await queryRunner.query(
      `CREATE INDEX ix_message_proactive ON message (chat_id, created_at) WHERE proactive`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_message_proactive`);
    await queryRunner.query(`ALTER TABLE message DROP COLUMN proactive`);
    await queryRunner.query(`DROP INDEX ix_chat_proactive`);
    await queryRunner.query(
      `ALTER TABLE chat DROP CONSTRAINT ck_chat_proactive_after_hours,
         DROP COLUMN proactive_after_hours`,
    );
    await queryRunner.query(`DROP TABLE digest_delivery`);
    await queryRunner.query(`DROP TABLE notification_settings`);
    await queryRunner.query(`DROP TABLE notification`);
  }
}
