import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ACTIONS = [
  'prompt.set',
  'prompt.clear',
  'setting.update',
  'report.update',
  'user.update',
  'character.reinstate',
  'job.retry',
  'ban.lift',
  'moderation.decide',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One admin write: who did what to which target, the state before and after, and when. */
@Check(
  'ck_admin_audit_action',
  `action IN ('prompt.set', 'prompt.clear', 'setting.update', 'report.update', 'user.update', 'character.reinstate', 'job.retry', 'ban.lift', 'moderation.decide')`,
)
@Entity({ name: 'admin_audit' })
export class AdminAuditEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_admin_audit' })
  id: string;

  /** Null once the admin's account is deleted; actorEmail still names them. */
  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'citext' })
  actorEmail: string;

  @Column({ type: 'text' })
  action: AuditAction;

  /** What was changed, as `<kind>:<id>` (`setting:cost_mode`, `user:<uuid>`, …). */
  @Column({ type: 'text' })
  target: string;

  @Column({ type: 'jsonb', nullable: true })
  before: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
