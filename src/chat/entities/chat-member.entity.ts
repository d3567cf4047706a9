import { Check, Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * A character of a chat; `position` is its turn in every round (0 speaks first, and is the
 * chat's lead, chat.character_id). A direct chat has one member, a group chat up to three.
 */
@Unique('uq_chat_member_character', ['chatId', 'characterId'])
@Check('ck_chat_member_position', `position BETWEEN 0 AND 2`)
@Entity({ name: 'chat_member' })
export class ChatMemberEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_chat_member' })
  chatId: string;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_chat_member' })
  position: number;

  @Column({ type: 'uuid' })
  characterId: string;

  /** Sits rounds out unless the user names it to speak (speaker_ids). */
  @Column({ type: 'boolean', default: false })
  muted: boolean;
}
