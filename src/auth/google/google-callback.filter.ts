import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';

/**
 * The Google callback's rate limit (its guard runs before the route) sends the browser back to
 * the frontend like every other failure of the callback, not to a JSON page on the API.
 * `Retry-After` stays on the redirect.
 */
@Catch(ThrottlerException)
export class GoogleCallbackRateLimitFilter implements ExceptionFilter {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  catch(_exception: ThrottlerException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .redirect(`${this.config.frontendUrl}/auth/callback#error=rate_limited`);
  }
}
