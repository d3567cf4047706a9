import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { UserEntity } from './user.entity.js';

/** A password reset link. Only the SHA-256 of the token is kept, so a database leak is no key. */
@Unique('uq_password_reset_token_hash', ['tokenHash'])
@Unique('uq_password_reset_token_user', ['userId'])
@Entity({ name: 'password_reset_token' })
export class PasswordResetTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_password_reset_token' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_password_reset_token_user' })
  user?: UserEntity;

  /** Hex SHA-256 of the token mailed to the user. */
  @Column({ type: 'text' })
  tokenHash: string;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
