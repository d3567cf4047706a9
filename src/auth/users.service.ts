import { Injectable, NotFoundException } from '@nestjs/common';
import type { Role } from '../common/auth/auth-user.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { UserResponseDto } from './dto/user-response.dto.js';
import type { OAuthProvider, UserEntity } from './entities/user.entity.js';
import { tierForRole } from './tiers.js';
import { type NewUser, type TokenUsage, UsersRepository } from './users.repository.js';

/** Accounts, for the auth flows and for other modules (AuthModule exports this service). */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findById(id);
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findByEmail(email);
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
   */
  async ensureSystemUser(email: string, displayName: string): Promise<UserEntity> {
    const existing = await this.users.findByEmail(email);
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

  /** Creates an account with the role ADMIN_EMAILS gives it; null when the email is taken. */
  create(user: Omit<NewUser, 'role' | 'tier'>): Promise<UserEntity | null> {
    const role = this.roleForEmail(user.email);
    return this.users.insertIfFree({ ...user, role, tier: tierForRole(role, 'free') });
  }

  linkOAuth(id: string, provider: OAuthProvider, oauthId: string): Promise<boolean> {
    return this.users.linkOAuth(id, provider, oauthId);
  }

  /**
   * ADMIN_EMAILS is the source of truth for the admin role: it is granted and revoked on every
   * sign-in, and the tier follows the role.
   */
  async syncAdminRole(user: UserEntity): Promise<UserEntity> {
    const role = this.roleForEmail(user.email);
    const tier = tierForRole(role, user.tier);
    if (role === user.role && tier === user.tier) return user;
    await this.users.setRoleAndTier(user.id, role, tier);
    return { ...user, role, tier };
  }

  /**
   * Counts tokens a user spent; the daily counter restarts at UTC midnight and the monthly one
   * on the 1st. Null when the user no longer exists.
   */
  addTokensUsed(userId: string, tokens: number): Promise<TokenUsage | null> {
    return this.users.addTokensUsed(userId, tokens);
  }

  private roleForEmail(email: string): Role {
    return this.config.auth.adminEmails.includes(email.toLowerCase()) ? 'admin' : 'user';
  }
}
