import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const MESSAGE_ROLES = ['user', 'assistant', 'system'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
/** `stopped`: the user stopped the reply (or the server shut down) and the part written so far was kept. */
export const MESSAGE_STATUSES = ['complete', 'stopped'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * One message of a chat. Ids grow with time (identity), so "the latest N" and "before id"
 * are both a walk down the (chat_id, id) index, however long the chat is.
 */
@Check('ck_message_role', `role IN ('user', 'assistant', 'system')`)
@Check('ck_message_status', `status IN ('complete', 'stopped')`)
@Check('ck_message_character', `role <> 'user' OR character_id IS NULL`)
@Entity({ name: 'message' })
export class MessageEntity {
  /** bigint: the driver returns it as a string; responses turn it into a number. */
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_message',
  })
  id: string;

  @Column({ type: 'uuid' })
  chatId: string;

  @Column({ type: 'text' })
  role: MessageRole;

  /** The character who spoke; null for the user (and once that character no longer exists). */
  @Column({ type: 'uuid', nullable: true })
  characterId: string | null;

  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'text', default: 'complete' })
  status: MessageStatus;

  /** `provider/model` that wrote an assistant message. */
  @Column({ type: 'text', nullable: true })
  modelUsed: string | null;

  @Column({ type: 'integer', nullable: true })
  promptTokens: number | null;

  @Column({ type: 'integer', nullable: true })
  completionTokens: number | null;

  /** Dice the game master asked for in this reply, rolled by the server (campaigns). */
  @Column({ type: 'jsonb', nullable: true })
  diceRolls: Array<Record<string, unknown>> | null;

  /** The encounter state the game master reported in this reply (campaigns). */
  @Column({ type: 'jsonb', nullable: true })
  encounterState: Record<string, unknown> | null;

  /** The character's lorebook entries this reply's prompt carried, as `{id, name}`. */
  @Column({ type: 'jsonb', nullable: true })
  lorebookEntries: Array<{ id: number | string; name: string | null }> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
