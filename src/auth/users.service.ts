import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Tier } from '../common/auth/access.decorators.js';
import type { Role } from '../common/auth/auth-user.js';
import type { EntityManager } from 'typeorm';
import { DEFAULT_LANGUAGE, type Language } from '../common/languages.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { UserResponseDto } from './dto/user-response.dto.js';
import type { OAuthProvider, UserEntity } from './entities/user.entity.js';
import { isSystemEmail } from './system-accounts.js';
import { TokenUsageTally } from './token-usage-tally.service.js';
import { tierForRole } from './tiers.js';
import { type NewUser, type UserSearch, UsersRepository } from './users.repository.js';

/** The account that now holds a proven address; `fresh` when it was made just now. */
export interface ProvenAccount {
  user: UserEntity;
  fresh: boolean;
}

/** What an admin may change about an account; unset fields stay as they are. */
export interface AccessChange {
  role?: Role;
  tier?: Tier;
  disabled?: boolean;
}

/** Accounts, for the auth flows and for other modules (AuthModule exports this service). */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly tally: TokenUsageTally,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findById(id);
  }

  findByIds(ids: string[]): Promise<UserEntity[]> {
    return this.users.findByIds(ids);
  }

  /** Accounts newest first, optionally matching a search term; one extra row flags more. */
  search(filter: UserSearch): Promise<UserEntity[]> {
    return this.users.search(filter);
  }

  /**
   * Changes role, tier and disabled state (admin tools). The tier follows the role as it does
   * at sign-in (tierForRole): a role change without a tier picks the matching one, and the
   * admin tier goes with the admin role only. ADMIN_EMAILS still decides the role at the
   * user's next sign-in (syncAdminRole).
   */
  async changeAccess(user: UserEntity, change: AccessChange): Promise<UserEntity> {
    const role = change.role ?? user.role;
    const tier = change.tier ?? tierForRole(role, user.tier);
    if ((role === 'admin') !== (tier === 'admin')) {
      throw new BadRequestException(
        `tier ${tier} does not go with role ${role}: the admin tier belongs to the admin role only`,
      );
    }
    // Only what was asked is written: `user` may be stale, and writing back its other fields
    // would undo another admin's change made meanwhile (re-enabling a disabled account).
    // null is "not sent" too (the DTO's fields are optional).
    const changesRank = change.role != null || change.tier != null;
    await this.users.setAccess(user.id, {
      ...(changesRank ? { role, tier } : {}),
      ...(change.disabled != null ? { disabled: change.disabled } : {}),
    });
    const updated = await this.users.findById(user.id);
    if (!updated) throw new NotFoundException('User not found');
    return updated;
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findByEmail(email);
  }

  /** How many accounts public statistics count: all but admins and the platform's own. */
  countCommunityUsers(): Promise<number> {
    return this.users.countCommunity();
  }

  /** Ids public statistics leave out: admins and the platform's own accounts. */
  statsExcludedIds(): Promise<string[]> {
    return this.users.uncountedIds();
  }

  findByOAuth(provider: OAuthProvider, oauthId: string): Promise<UserEntity | null> {
    return this.users.findByOAuth(provider, oauthId);
  }

  async getProfile(id: string): Promise<UserResponseDto> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('User not found');
    return UserResponseDto.from(user);
  }

  /**
   * The platform's own accounts (the anonymous guest owner, the account that owns generated
   * characters): created on first use, never able to sign in (no password, no OAuth link).
   * Their emails are at SYSTEM_EMAIL_DOMAIN (system-accounts.ts), which marks them everywhere.
   */
  async ensureSystemUser(email: string, displayName: string): Promise<UserEntity> {
    const existing = await this.users.findByEmail(email);
    if (existing?.passwordHash || existing?.oauthId) {
      // Only possible if the account was made by hand: never hand a person's account the
      // platform's data.
      throw new Error(`${email} is a sign-in account, not a system account`);
    }
    if (existing) return existing;
    await this.users.insertIfFree({
      email,
      passwordHash: null,
      role: 'user',
      tier: 'free',
      displayName,
      preferredLanguage: 'en',
    });
    // A concurrent first use may have won the insert; either way the row exists now.
    return (await this.users.findByEmail(email))!;
  }

  /** Records that the user confirmed being an adult (the first confirmation's date is kept). */
  async confirmAdult(id: string): Promise<UserResponseDto> {
    await this.users.confirmAdult(id);
    return this.getProfile(id);
  }

  /** The language the user's new chats (and the catalogue) default to. */
  setPreferredLanguage(id: string, language: Language): Promise<void> {
    return this.users.setPreferredLanguage(id, language);
  }

  /**
   * Creates an account with the role ADMIN_EMAILS gives it; null when the email is taken.
   * `emailVerified`: the sign-up itself proved the address (Google). The platform's own
   * addresses are refused: whoever registered anonymous@system.local first would otherwise own
   * every guest chat.
   */
  create(
    user: Omit<NewUser, 'role' | 'tier' | 'emailVerifiedAt'> & { emailVerified?: boolean },
  ): Promise<UserEntity | null> {
    const { emailVerified, ...fields } = user;
    if (isSystemEmail(fields.email)) {
      throw new BadRequestException('This email address is reserved');
    }
    const emailVerifiedAt = emailVerified ? new Date() : undefined;
    const role = this.roleFor({ email: fields.email, emailVerifiedAt: emailVerifiedAt ?? null });
    return this.users.insertIfFree({
      ...fields,
      emailVerifiedAt,
      role,
      tier: tierForRole(role, 'free'),
    });
  }

  /**
   * Links an OAuth identity that proved the account's email. An account that had proven the
   * address already is linked as it is; one that never had may have been registered by someone
   * else, so it is released (UsersRepository.releaseToOwner) and the owner starts on a fresh
   * account made from `profile` (`fresh`). Null when the account is linked to another
   * identity (or changed meanwhile).
   */
  async linkOAuth(
    user: UserEntity,
    provider: OAuthProvider,
    oauthId: string,
    profile: Pick<NewUser, 'displayName' | 'preferredLanguage'>,
  ): Promise<ProvenAccount | null> {
    if (user.emailVerifiedAt) {
      if (!(await this.users.linkOAuth(user.id, provider, oauthId))) return null;
      const linked = await this.users.findById(user.id);
      return linked && { user: linked, fresh: false };
    }
    const fresh = await this.release(user, {
      ...profile,
      passwordHash: null,
      oauthProvider: provider,
      oauthId,
      passwordChangedAt: null,
    });
    return fresh && { user: fresh, fresh: true };
  }

  /**
   * The account proved `email` (a confirmation link sent back with its own session): from now
   * on a reset or a Google sign-in keeps it and its content. ADMIN_EMAILS counts at once.
   * False when the account no longer holds that address.
   */
  async markEmailVerified(id: string, email: string): Promise<boolean> {
    if (!(await this.users.markEmailVerified(id, email))) return false;
    const user = await this.users.findById(id);
    if (user) await this.syncAdminRole(user);
    return true;
  }

  /**
   * Sets the password chosen through a mailed reset link, which proved the address. An
   * account that never proved it is released like on a Google link, and the fresh account
   * gets the password (`fresh`).
   */
  async setProvenPassword(
    userId: string,
    passwordHash: string,
    changedAt: Date,
    /** The caller's transaction (the reset link's burn commits with the password). */
    manager?: EntityManager,
  ): Promise<ProvenAccount | null> {
    // Twice at most: an account released by nobody but proven meanwhile (a Google sign-in
    // between the two statements) takes the password as any proven account does.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.users.setPasswordIfProven(userId, passwordHash, changedAt, manager)) {
        const user = await this.users.findById(userId, manager);
        return user && { user, fresh: false };
      }
      const user = await this.users.findById(userId, manager);
      // A released account's old links open nothing: its address belongs to another account.
      if (!user || user.releasedAt) return null;
      const fresh = await this.release(
        user,
        {
          passwordHash,
          displayName: null,
          preferredLanguage: DEFAULT_LANGUAGE,
          passwordChangedAt: changedAt,
        },
        manager,
      );
      if (fresh) return { user: fresh, fresh: true };
    }
    return null;
  }

  /** See UsersRepository.releaseToOwner; the fresh account, or null if `user` changed. */
  private async release(
    user: UserEntity,
    owner: Omit<NewUser, 'email' | 'emailVerifiedAt' | 'role' | 'tier'> & {
      passwordChangedAt: Date | null;
    },
    manager?: EntityManager,
  ): Promise<UserEntity | null> {
    const role = this.roleFor({ email: user.email, emailVerifiedAt: new Date() });
    const freshId = await this.users.releaseToOwner(
      user.id,
      { ...owner, role, tier: tierForRole(role, 'free') },
      manager,
    );
    if (!freshId) return null;
    this.logger.log(
      `User ${user.id} never proved its email; its owner proved it: the account was released ` +
        `(disabled, content kept) and the owner starts on account ${freshId}`,
    );
    return this.users.findById(freshId, manager);
  }

  /**
   * ADMIN_EMAILS is the source of truth for the admin role: it is granted and revoked on every
   * sign-in, and the tier follows the role.
   */
  async syncAdminRole(user: UserEntity): Promise<UserEntity> {
    const role = this.roleFor(user);
    const tier = tierForRole(role, user.tier);
    if (role === user.role && tier === user.tier) return user;
    await this.users.setRoleAndTier(user.id, role, tier);
    return { ...user, role, tier };
  }

  /**
   * Counts tokens a user spent (written within TOKEN_USAGE_FLUSH_MS); the daily counter
   * restarts at UTC midnight and the monthly one on the 1st. Never throws.
   */
  countTokens(userId: string, tokens: number): void {
    this.tally.count(userId, tokens);
  }

  isAdminEmail(email: string): boolean {
    return this.config.auth.adminEmails.includes(email.toLowerCase());
  }

  /**
   * Admin for ADMIN_EMAILS addresses the account has proven it owns: otherwise whoever
   * registered ops@corp.com before ops did would be admin.
   */
  private roleFor(user: Pick<UserEntity, 'email' | 'emailVerifiedAt'>): Role {
    if (!this.isAdminEmail(user.email)) return 'user';
    if (user.emailVerifiedAt) return 'admin';
    this.logger.warn(
      `${user.email} is in ADMIN_EMAILS but has not proven it owns the address yet: signed in ` +
        'as a plain user until it confirms the address (the link mailed at registration), ' +
        'completes a password reset or signs in with Google',
    );
    return 'user';
  }
}
