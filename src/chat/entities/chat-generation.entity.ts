import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A reply being written right now: at most one per chat, across all instances. The instance
 * writing it renews `heartbeat_at`; a row whose heartbeat stopped (the instance died) no longer
 * blocks the chat.
 */
@Entity({ name: 'chat_generation' })
export class ChatGenerationEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_chat_generation' })
  chatId: string;

  /** The API process writing the reply: where stop and re-attach requests are sent. */
  @Column({ type: 'uuid' })
  instanceId: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  heartbeatAt: Date;
}
