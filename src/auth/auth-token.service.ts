import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import type { AuthUser } from '../common/auth/auth-user.js';
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
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

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

  /** The user a token belongs to, loaded fresh (role and tier come from the database). */
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
        ? await this.users.findById(claims.sub)
        : null;
    if (!user) throw new UnauthorizedException('Invalid or expired token');
    if (claims.pwv !== passwordVersion(user)) {
      throw new UnauthorizedException('The token was revoked by a password change');
    }
    // Checked on every request (the user is loaded anyway), so disabling takes effect at once.
    if (user.disabledAt) throw new UnauthorizedException('This account is disabled');
    return { id: user.id, email: user.email, role: user.role, tier: user.tier };
  }
}
