import { Check, Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** A character of a group chat; `position` is its turn in every round (0 speaks first). */
@Unique('uq_group_chat_member_character', ['groupChatId', 'characterId'])
@Check('ck_group_chat_member_position', `position BETWEEN 0 AND 2`)
@Entity({ name: 'group_chat_member' })
export class GroupChatMemberEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_group_chat_member' })
  groupChatId: string;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_group_chat_member' })
  position: number;

  @Column({ type: 'uuid' })
  characterId: string;
}
