import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Language } from '../../../common/languages.js';

/** A scene a signed-in user plays with up to three characters (spec: group_chat/router.py). */
@Check('ck_group_chat_language', `language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')`)
@Check('ck_group_chat_message_count', `message_count >= 0`)
@Check('ck_group_chat_reply_claim', `(reply_claim IS NULL) = (reply_heartbeat_at IS NULL)`)
@Entity({ name: 'group_chat' })
export class GroupChatEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_group_chat' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  /** The language every member speaks in (prompts, names). */
  @Column({ type: 'text', default: 'en' })
  language: Language;

  /** Kept with every insert and delete, so nothing has to count a group chat's messages. */
  @Column({ type: 'integer', default: 0 })
  messageCount: number;

  /**
   * The round of replies being written, if any: one per group chat across instances. The
   * writer renews the heartbeat; a claim whose heartbeat stopped (its process died) lapses.
   */
  @Column({ type: 'uuid', nullable: true })
  replyClaim: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  replyHeartbeatAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** Last activity: the list shows the most recent first. */
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
