import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { PenaltyClock } from '../violations/penalty-clock.js';
import { LoginBackoffService } from './login-backoff.service.js';

/**
 * Takes a sign-in attempt for the body's email before the password is looked at: while the
 * account must wait, 429 with Retry-After, and no hashing work is spent on it. Unknown emails
 * are counted and answered the same way. Runs after the route's per-address limits, so a
 * request refused there costs the account nothing: route guards run in the order their
 * decorators are applied, bottom-up, so @LoginBackoff() goes above @RateLimit().
 */
@Injectable()
export class LoginBackoffGuard implements CanActivate {
  constructor(
    private readonly backoff: LoginBackoffService,
    private readonly clock: PenaltyClock,
    private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const email: unknown = context.switchToHttp().getRequest<Request>().body?.email;
    // Without an email string validation answers 400; there is no account to count.
    if (typeof email !== 'string' || email.trim() === '') return true;
    const refused = await this.backoff.attempt(email);
    if (!refused) return true;
    this.metrics.refusals.rateLimit('loginAccount');
    const seconds = Math.max(1, Math.ceil((refused.blockedUntil - this.clock.now()) / 1000));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', seconds);
    throw new HttpException(
      refused.locked
        ? 'Too many failed sign-ins to this email: it is locked until ' +
            new Date(refused.blockedUntil).toISOString()
        : `Too many failed sign-ins to this email: wait ${seconds} s before trying again`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** Backoff and lockout per account on a sign-in route; write it above @RateLimit(). */
export const LoginBackoff = () => UseGuards(LoginBackoffGuard);
