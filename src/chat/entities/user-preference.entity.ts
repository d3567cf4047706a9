import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A user's chat preferences that a new chat's settings start from (its language and persona
 * defaults live with the user and the personas: app_user.preferred_language,
 * persona.is_default). No row: no preference.
 */
@Check('ck_user_preference_max_tokens', `max_tokens BETWEEN 1 AND 32768`)
@Entity({ name: 'user_preference' })
export class UserPreferenceEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_user_preference' })
  userId: string;

  /** The model new chats use (`auto`, a provider, or provider:model); null: auto. */
  @Column({ type: 'text', nullable: true })
  model: string | null;

  /** The reply length (max_tokens) new chats use; null: the character's. */
  @Column({ type: 'integer', nullable: true })
  maxTokens: number | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
