import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import { MetricsService } from '../../common/metrics/metrics.service.js';

/**
 * @nestjs/throttler's guard, answering 429 with a plain `Retry-After`: for named throttlers it
 * only sends `Retry-After-<name>`, which clients and proxies do not know. Each refusal is
 * counted by limit name.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  // A property: the constructor is ThrottlerGuard's, with its own injection tokens.
  @Inject(MetricsService) private readonly metrics!: MetricsService;

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // The key is `<limit name>:<tracker>` (throttlerOptions' generateKey).
    this.metrics.refusals.rateLimit(detail.key.slice(0, detail.key.indexOf(':')));
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('Retry-After', Math.max(1, detail.timeToBlockExpire));
    await super.throwThrottlingException(context, detail);
  }
}
