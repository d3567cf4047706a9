import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ModerationHit, ModerationStage } from '../moderation.types.js';

export const FLAG_KINDS = ['character', 'message'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

/**
 * `pending` waits for a moderator; the others are decisions (`withdrawn`: the owner changed
 * or unpublished the character meanwhile).
 */
export const FLAG_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'unpublished',
  'deleted',
  'withdrawn',
] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

/**
 * What moderation held for a person to look at: a public character waiting for review (one
 * pending flag per character; the character's moderation_status says whether it is listed),
 * or a chat message with softer hits (written by the chat hooks, ModerationService.flagMessage).
 * Decided flags stay as the queue's history.
 */
@Check('ck_moderation_flag_kind', `kind IN ('character', 'message')`)
@Check('ck_moderation_flag_stage', `stage IN ('character', 'input', 'output')`)
@Check(
  'ck_moderation_flag_status',
  `status IN ('pending', 'approved', 'rejected', 'unpublished', 'deleted', 'withdrawn')`,
)
@Check(
  'ck_moderation_flag_target',
  `(kind = 'character' AND character_id IS NOT NULL) OR (kind = 'message' AND message_id IS NOT NULL)`,
)
@Entity({ name: 'moderation_flag' })
export class ModerationFlagEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_moderation_flag' })
  id: string;

  @Column({ type: 'text' })
  kind: FlagKind;

  @Column({ type: 'text' })
  stage: ModerationStage;

  /** The character in review, or the one the flagged message's chat is with. */
  @Column({ type: 'uuid', nullable: true })
  characterId: string | null;

  /** bigint: the driver returns it as a string. */
  @Column({ type: 'bigint', nullable: true })
  messageId: string | null;

  @Column({ type: 'uuid', nullable: true })
  chatId: string | null;

  /** The character's owner, or the message's author (null: a guest, or a model's reply). */
  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  hits: ModerationHit[];

  /** The highest hit's score. */
  @Column({ type: 'double precision', default: 0 })
  score: number;

  /** Text around the strongest hit. */
  @Column({ type: 'text', default: '' })
  excerpt: string;

  @Column({ type: 'text', default: 'pending' })
  status: FlagStatus;

  /** The moderator's reason (a rejection's is mailed to the character's owner). */
  @Column({ type: 'text', nullable: true })
  decisionReason: string | null;

  @Column({ type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
