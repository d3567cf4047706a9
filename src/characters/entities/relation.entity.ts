import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const RELATION_TYPES = [
  'rival',
  'ex',
  'friend',
  'sibling',
  'enemy',
  'lover',
  'ally',
] as const;
export type RelationType = (typeof RELATION_TYPES)[number];

/** A connection between two characters, stored once per direction (spec: CharacterRelation). */
@Unique('uq_character_relation_pair', ['characterId', 'relatedId'])
@Check(
  'ck_character_relation_type',
  `relation_type IN ('rival', 'ex', 'friend', 'sibling', 'enemy', 'lover', 'ally')`,
)
@Check('ck_character_relation_self', `character_id <> related_id`)
@Entity({ name: 'character_relation' })
export class CharacterRelationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_character_relation' })
  id: string;

  @Column({ type: 'uuid' })
  characterId: string;

  @Column({ type: 'uuid' })
  relatedId: string;

  @Column({ type: 'text' })
  relationType: RelationType;

  @Column({ type: 'text', default: '' })
  labelRu: string;

  @Column({ type: 'text', default: '' })
  labelEn: string;

  @Column({ type: 'text', default: '' })
  labelEs: string;

  @Column({ type: 'text', default: '' })
  labelFr: string;

  @Column({ type: 'text', default: '' })
  labelDe: string;

  @Column({ type: 'text', default: '' })
  labelPt: string;

  @Column({ type: 'text', default: '' })
  labelIt: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
