import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ACCESS_KEY,
  type AccessLevel,
  MIN_TIER_KEY,
  type Tier,
} from '../common/auth/access.decorators.js';
import type { AuthenticatedRequest, AuthUser } from '../common/auth/auth-user.js';
import { AuthTokenService } from './auth-token.service.js';
import { tierAtLeast } from './tiers.js';

/** The token of `Authorization: Bearer <token>`; null for any other Authorization header. */
function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  return match ? match[1] : null;
}

/**
 * The one global guard (registered as APP_GUARD by AuthModule), default-deny: a route that
 * declares no access level is refused, so a forgotten decorator fails closed. On guest routes
 * authentication is optional: a stale credential (expired, revoked, malformed) is served as
 * anonymous, as the spec's optional auth does, rather than locking the guest out with a 401
 * until the client drops it. Routes that need a user still answer 401.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AuthTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_KEY, targets);
    if (!level) {
      const route = `${context.getClass().name}.${context.getHandler().name}`;
      this.logger.warn(`Denied ${route}: the route declares no access level`);
      throw new ForbiddenException('Access denied');
    }
    if (level === 'public') return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (level === 'guest') {
      request.user = token ? await this.optionalUser(token) : null;
      return true;
    }
    if (token === null) throw new UnauthorizedException('Expected a Bearer token');
    if (token === undefined) throw new UnauthorizedException('Authentication required');

    const user = await this.tokens.authenticate(token);
    request.user = user;
    if (level === 'admin' && user.role !== 'admin') {
      throw new ForbiddenException('Only admins may do this');
    }
    const minTier = this.reflector.getAllAndOverride<Tier | undefined>(MIN_TIER_KEY, targets);
    if (minTier && !tierAtLeast(user.tier, minTier)) {
      throw new ForbiddenException(`This needs the ${minTier} tier`);
    }
    return true;
  }

  /** The token's user, or null when the token is refused; other failures (database) still fail. */
  private async optionalUser(token: string): Promise<AuthUser | null> {
    try {
      return await this.tokens.authenticate(token);
    } catch (error) {
      if (error instanceof UnauthorizedException) return null;
      throw error;
    }
  }
}
