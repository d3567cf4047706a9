import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ViolationsAndBans1763809300000 implements MigrationInterface {
  name = 'ViolationsAndBans1763809300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One score per user (`user:<uuid>`) and per client address (`address:<sha256>`, never
    // the address itself). Points are forgotten after a quiet spell, strikes (the bans given,
    // which pick the step of the ban ladder) after a longer one; each violation is one
    // statement on the row, so instances sharing the database count together.
    await queryRunner.query(`
      CREATE TABLE violation_score (
        subject text NOT NULL,
        points integer NOT NULL,
        strikes integer NOT NULL DEFAULT 0,
        last_violation_at timestamptz NOT NULL,
        CONSTRAINT pk_violation_score PRIMARY KEY (subject),
        CONSTRAINT ck_violation_score_subject CHECK (subject ~ '^(user|address):'),
        CONSTRAINT ck_violation_score_points CHECK (points >= 0 AND strikes >= 0)
      )`);
    // A timed ban of a user or an address. Every instance keeps the active ones in memory
    // (ix_ban_active reads them); a lifted ban keeps its row, with who lifted it.
    await queryRunner.query(`
      CREATE TABLE ban (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        subject text NOT NULL,
        user_id uuid,
        strike integer NOT NULL,
        reason text NOT NULL,
        banned_at timestamptz NOT NULL,
        banned_until timestamptz NOT NULL,
        lifted_at timestamptz,
        lifted_by uuid,
        CONSTRAINT pk_ban PRIMARY KEY (id),
        CONSTRAINT fk_ban_user FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT fk_ban_lifted_by FOREIGN KEY (lifted_by)
          REFERENCES app_user (id) ON DELETE SET NULL,
        CONSTRAINT ck_ban_subject CHECK (
          (subject ~ '^user:' AND user_id IS NOT NULL) OR
          (subject ~ '^address:' AND user_id IS NULL)),
        CONSTRAINT ck_ban_reason
          CHECK (reason IN ('refused_input', 'hard_output', 'rate_limit', 'upheld_report')),
        CONSTRAINT ck_ban_period CHECK (banned_until > banned_at)
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_ban_active ON ban (banned_until DESC) WHERE lifted_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX ix_ban_user ON ban (user_id)`);
    await queryRunner.query(`CREATE INDEX ix_ban_lifted_by ON ban (lifted_by)`);
    // Failed sign-ins per account (the sha256 of the normalized email, whether or not it has
    // an account), when Redis is not configured: each attempt is counted before the password
    // is checked, and a success deletes the row.
    await queryRunner.query(`
      CREATE TABLE login_failure (
        account text NOT NULL,
        failures integer NOT NULL,
        last_attempt_at timestamptz NOT NULL,
        blocked_until timestamptz NOT NULL,
        CONSTRAINT pk_login_failure PRIMARY KEY (account)
      )`);
    // DELETE /api/admin/bans/{id} is an admin write like the others.
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate', 'job.retry',
          'ban.lift'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM admin_audit WHERE action = 'ban.lift'`);
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate', 'job.retry'))`);
    await queryRunner.query(`DROP TABLE login_failure`);
    await queryRunner.query(`DROP TABLE ban`);
    await queryRunner.query(`DROP TABLE violation_score`);
  }
}
