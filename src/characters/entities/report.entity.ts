import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const REPORT_REASONS = [
  'inappropriate',
  'spam',
  'impersonation',
  'underage',
  'other',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export const REPORT_STATUSES = ['pending', 'reviewed', 'dismissed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** A user's complaint about a character (spec: reports/router.py), reviewed by admins. */
@Check(
  'ck_report_reason',
  `reason IN ('inappropriate', 'spam', 'impersonation', 'underage', 'other')`,
)
@Check('ck_report_status', `status IN ('pending', 'reviewed', 'dismissed')`)
@Entity({ name: 'report' })
export class ReportEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_report' })
  id: string;

  @Column({ type: 'uuid' })
  reporterId: string;

  @Column({ type: 'uuid' })
  characterId: string;

  @Column({ type: 'text' })
  reason: ReportReason;

  @Column({ type: 'text', default: '' })
  details: string;

  @Column({ type: 'text', default: 'pending' })
  status: ReportStatus;

  @Column({ type: 'text', nullable: true })
  resolutionNote: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
