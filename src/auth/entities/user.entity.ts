import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import type { Tier } from '../../common/auth/access.decorators.js';
import type { Role } from '../../common/auth/auth-user.js';
import type { Language } from '../../common/languages.js';

export type OAuthProvider = 'google';

/** A registered account (spec: Core/User). `user` is reserved in PostgreSQL, hence `app_user`. */
@Unique('uq_app_user_email', ['email'])
@Unique('uq_app_user_oauth', ['oauthProvider', 'oauthId'])
@Check('ck_app_user_role', `role IN ('user', 'admin')`)
@Check('ck_app_user_tier', `tier IN ('free', 'premium', 'admin')`)
@Check('ck_app_user_language', `preferred_language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')`)
@Check('ck_app_user_oauth', `(oauth_provider IS NULL) = (oauth_id IS NULL)`)
@Entity({ name: 'app_user' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_app_user' })
  id: string;

  @Column({ type: 'citext' })
  email: string;

  /** argon2id PHC string; null for accounts that only sign in with Google. */
  @Column({ type: 'text', nullable: true })
  passwordHash: string | null;

  @Column({ type: 'text', default: 'user' })
  role: Role;

  @Column({ type: 'text', default: 'free' })
  tier: Tier;

  @Column({ type: 'text', nullable: true })
  oauthProvider: OAuthProvider | null;

  @Column({ type: 'text', nullable: true })
  oauthId: string | null;

  @Column({ type: 'text', nullable: true })
  displayName: string | null;

  @Column({ type: 'text', default: 'en' })
  preferredLanguage: Language;

  @Column({ type: 'integer', default: 0 })
  tokensUsedToday: number;

  @Column({ type: 'integer', default: 0 })
  tokensUsedMonth: number;

  /** UTC day the counters above were last added to; a later day means they read as zero. */
  @Column({ type: 'date', nullable: true })
  tokensResetDate: string | null;

  /** When the user confirmed being an adult; needed to see NSFW content. */
  @Column({ type: 'timestamptz', nullable: true })
  adultConfirmedAt: Date | null;

  /** Tokens carry this instant (ms) as `pwv`; changing it revokes every token issued before. */
  @Column({ type: 'timestamptz', nullable: true })
  passwordChangedAt: Date | null;

  /**
   * When the account proved it owns its email: a Google sign-in with a verified address or a
   * completed password reset (the link went to that address). Null: anyone could have typed it.
   */
  @Column({ type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null;

  /** Set while an admin has disabled the account: it cannot sign in and its tokens are refused. */
  @Column({ type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /**
   * When this account, its email never proven, gave the address up to the person who proved
   * it: it is disabled under a placeholder address, and the owner started on a fresh account.
   */
  @Column({ type: 'timestamptz', nullable: true })
  releasedAt: Date | null;

  /** The address it held until then (for support: its content may have been the owner's). */
  @Column({ type: 'citext', nullable: true })
  releasedEmail: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
