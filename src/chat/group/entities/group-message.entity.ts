import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageStatus } from '../../entities/message.entity.js';

export const GROUP_MESSAGE_ROLES = ['user', 'assistant'] as const;
export type GroupMessageRole = (typeof GROUP_MESSAGE_ROLES)[number];

/**
 * One line of a group chat: the user's, or a character's (`character_id`). Ids grow with
 * time, so "the latest N" and "before id" walk the (group_chat_id, id) index.
 */
@Check('ck_group_message_role', `role IN ('user', 'assistant')`)
@Check('ck_group_message_status', `status IN ('complete', 'stopped')`)
@Check('ck_group_message_character', `role = 'assistant' OR character_id IS NULL`)
@Entity({ name: 'group_message' })
export class GroupMessageEntity {
  /** bigint: the driver returns it as a string; responses turn it into a number. */
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_group_message',
  })
  id: string;

  @Column({ type: 'uuid' })
  groupChatId: string;

  @Column({ type: 'text' })
  role: GroupMessageRole;

  /** The character who spoke (assistant lines); null once that character no longer exists. */
  @Column({ type: 'uuid', nullable: true })
  characterId: string | null;

  @Column({ type: 'text' })
  content: string;

  /** `stopped`: cut short by a server shutdown; the part written until then. */
  @Column({ type: 'text', default: 'complete' })
  status: MessageStatus;

  /** `provider/model` that wrote an assistant line. */
  @Column({ type: 'text', nullable: true })
  modelUsed: string | null;

  @Column({ type: 'integer', nullable: true })
  promptTokens: number | null;

  @Column({ type: 'integer', nullable: true })
  completionTokens: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
