import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Check('ck_vote_value', `value IN (-1, 1)`)
@Entity({ name: 'vote' })
export class VoteEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_vote' })
  userId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_vote' })
  characterId: string;

  @Column({ type: 'smallint' })
  value: 1 | -1;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
