import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

/** Who the user plays in a chat (spec: Core/Persona); at most one default per user. */
@Unique('uq_persona_user_slug', ['userId', 'slug'])
@Entity({ name: 'persona' })
export class PersonaEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_persona' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'boolean', default: false })
  isDefault: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
