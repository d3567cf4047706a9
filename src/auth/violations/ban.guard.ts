import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../../common/auth/auth-user.js';
import { PenaltyClock } from './penalty-clock.js';
import { ViolationService } from './violation.service.js';

/**
 * Refuses banned users and addresses on every route with 403 and Retry-After. Global, after
 * the access guard (AuthModule registers it second), so the caller is known wherever a route
 * reads a token; on public routes only the address is checked. Admins are never refused, so
 * a ban can always be lifted. The check is in memory (BanRegistry).
 */
@Injectable()
export class BanGuard implements CanActivate {
  constructor(
    private readonly violations: ViolationService,
    private readonly clock: PenaltyClock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const user = request.user;
    if (user?.role === 'admin') return true;
    const ban = this.violations.banOf({ userId: user?.id, address: request.ip });
    if (!ban) return true;
    const seconds = Math.max(1, Math.ceil((ban.until.getTime() - this.clock.now()) / 1000));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', seconds);
    const who = ban.kind === 'user' ? 'This account is' : 'Requests from this address are';
    throw new ForbiddenException(`${who} banned until ${ban.until.toISOString()}`);
  }
}
