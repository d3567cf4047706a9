import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import type { AuthUser } from '../common/auth/auth-user.js';
import { RowCache } from '../common/row-changes/row-cache.js';
import { RowChangeFeed } from '../common/row-changes/row-change-feed.js';
import { AuthTokenResponseDto } from './dto/auth-token-response.dto.js';
import { UserResponseDto } from './dto/user-response.dto.js';
import type { UserEntity } from './entities/user.entity.js';
import { UsersService } from './users.service.js';

interface AccessTokenClaims {
  sub: string;
  /** Password version: password_changed_at in ms (0 before any change). */
  pwv: number;
  /** Never set on access tokens: other tokens signed with the same key carry one. */
  aud?: unknown;
}

const passwordVersion = (user: UserEntity): number => user.passwordChangedAt?.getTime() ?? 0;

/** What a request's authentication needs of its user: the guard reads it on every request. */
interface SessionUser extends AuthUser {
  passwordVersion: number;
  disabled: boolean;
}

/**
 * How long an instance keeps a session user. Any change to the columns above reaches every
 * instance at once (RowChangeFeed); the TTL only bounds a missed notification's reach.
 */
const SESSION_USER_TTL_MS = 30_000;
const SESSION_USERS_KEPT = 20_000;

/**
 * Issues and checks access tokens. Plain JwtService rather than passport-jwt: the access
 * guard already decides per route whether a token is optional or required, and a strategy
 * would only add a second place that parses the Authorization header.
 *
 * A token names its password version instead of being compared by `iat`: iat has one-second
 * granularity, so a token issued in the same second as a reset would be ambiguous.
 */
@Injectable()
export class AuthTokenService {
  /** Users by id, as their tokens are checked: one database read per user and TTL, not per request. */
  private readonly sessionUsers: RowCache<SessionUser | null>;

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    changes: RowChangeFeed,
  ) {
    this.sessionUsers = new RowCache(changes, 'app_user', {
      ttlMs: SESSION_USER_TTL_MS,
      maxEntries: SESSION_USERS_KEPT,
    });
  }

  /**
   * Every sign-in (password, Google) ends here, so a disabled account is refused in one place.
   * Only callers that already proved who they are reach this, so the 403 reveals nothing to
   * someone guessing passwords.
   */
  async issue(user: UserEntity): Promise<AuthTokenResponseDto> {
    if (user.disabledAt) throw new ForbiddenException('This account is disabled');
    const claims: AccessTokenClaims = { sub: user.id, pwv: passwordVersion(user) };
    return {
      access_token: await this.jwt.signAsync(claims),
      token_type: 'bearer',
      user: UserResponseDto.from(user),
    };
  }

  /**
   * The user a token belongs to, as the database has it now (role, tier, disabled): a copy
   * kept on this instance until the row changes anywhere (RowChangeFeed).
   */
  async authenticate(token: string): Promise<AuthUser> {
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token);
    } catch {
      throw new UnauthorizedException('Invalid or expired token');
    }
    // An email confirmation token (aud) is no session, whatever its other claims say.
    const user =
      claims.aud === undefined && typeof claims.sub === 'string' && isUUID(claims.sub)
        ? await this.sessionUsers.get(claims.sub, (id) => this.loadSessionUser(id))
        : null;
    if (!user) throw new UnauthorizedException('Invalid or expired token');
    if (claims.pwv !== user.passwordVersion) {
      throw new UnauthorizedException('The token was revoked by a password change');
    }
    // Checked on every request (a change empties the copy), so disabling takes effect at once.
    if (user.disabled) throw new UnauthorizedException('This account is disabled');
    return { id: user.id, email: user.email, role: user.role, tier: user.tier };
  }

  private async loadSessionUser(id: string): Promise<SessionUser | null> {
    const user = await this.users.findById(id);
    return (
      user && {
        id: user.id,
        email: user.email,
        role: user.role,
        tier: user.tier,
        passwordVersion: passwordVersion(user),
        disabled: user.disabledAt !== null,
      }
    );
  }
}
