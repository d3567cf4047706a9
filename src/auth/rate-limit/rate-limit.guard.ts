import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../../common/auth/auth-user.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { ViolationService } from '../violations/violation.service.js';

/**
 * @nestjs/throttler's guard, answering 429 with a plain `Retry-After`: for named throttlers it
 * only sends `Retry-After-<name>`, which clients and proxies do not know. Each refusal is
 * counted by limit name, and is a `rate_limit` violation of the caller and its address.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  // A property: the constructor is ThrottlerGuard's, with its own injection tokens.
  @Inject(MetricsService) private readonly metrics!: MetricsService;
  @Inject(ViolationService) private readonly violations!: ViolationService;

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // The key is `<limit name>:<tracker>` (throttlerOptions' generateKey).
    this.metrics.refusals.rateLimit(detail.key.slice(0, detail.key.indexOf(':')));
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    await this.violations.record({ userId: request.user?.id, address: request.ip }, 'rate_limit');
    http.getResponse<Response>().setHeader('Retry-After', Math.max(1, detail.timeToBlockExpire));
    await super.throwThrottlingException(context, detail);
  }
}
