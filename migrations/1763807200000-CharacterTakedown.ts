import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CharacterTakedown1763807200000 implements MigrationInterface {
  name = 'CharacterTakedown1763807200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A moderator's unpublish is a state of its own: only a moderator lifts it, and the owner
    // is told why. The check holds it against every write path, present and future.
    await queryRunner.query(`
      ALTER TABLE character
        ADD COLUMN taken_down_at timestamptz,
        ADD COLUMN takedown_reason text,
        ADD CONSTRAINT ck_character_taken_down_private CHECK (taken_down_at IS NULL OR NOT is_public)`);
    // A new draft that copies one of its owner's taken-down characters word for word (a card
    // export re-imported) inherits the takedown: the owner's few taken-down rows, by owner.
    await queryRunner.query(
      `CREATE INDEX ix_character_taken_down_owner ON character (owner_id) WHERE taken_down_at IS NOT NULL`,
    );
    // Lifting a takedown is an admin write like the others: it goes into the audit trail.
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update', 'character.reinstate'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM admin_audit WHERE action = 'character.reinstate'`);
    await queryRunner.query(`
      ALTER TABLE admin_audit DROP CONSTRAINT ck_admin_audit_action,
        ADD CONSTRAINT ck_admin_audit_action CHECK (action IN ('prompt.set', 'prompt.clear',
          'setting.update', 'report.update', 'user.update'))`);
    await queryRunner.query(`DROP INDEX ix_character_taken_down_owner`);
    await queryRunner.query(`
      ALTER TABLE character
        DROP CONSTRAINT ck_character_taken_down_private,
        DROP COLUMN takedown_reason,
        DROP COLUMN taken_down_at`);
  }
}
