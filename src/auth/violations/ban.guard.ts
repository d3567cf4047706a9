import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { BAN_EXEMPT_KEY } from '../../common/auth/access.decorators.js';
import type { AuthenticatedRequest } from '../../common/auth/auth-user.js';
import { PenaltyClock } from './penalty-clock.js';
import { ViolationService } from './violation.service.js';

/**
 * Refuses banned users and addresses on every route with 403 and Retry-After. Global, after
 * the access guard (AuthModule registers it second), so the caller is known wherever a route
 * reads a token; on public routes only the address is checked. Admins are never refused, so
 * a ban can always be lifted, nor are health checks and metrics (@ExemptFromBans). The check
 * is in memory (BanRegistry).
 */
@Injectable()
export class BanGuard implements CanActivate {
  constructor(
    private readonly violations: ViolationService,
    private readonly clock: PenaltyClock,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(BAN_EXEMPT_KEY, targets)) return true;
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
