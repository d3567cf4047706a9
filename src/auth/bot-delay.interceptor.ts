import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Request } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { from, type Observable, switchMap } from 'rxjs';
import { InjectConfig, type AppConfig } from '../config/app-config.js';

/**
 * Anti-bot (spec: auth/router.py): browsers always send Accept-Language and usually a Referer;
 * a request with neither is answered only after AUTH_BOT_DELAY_MS. The wait is a timer, so the
 * event loop keeps serving everyone else.
 */
@Injectable()
export class BotDelayInterceptor implements NestInterceptor {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const delayMs = this.config.auth.botDelayMs;
    const looksLikeBrowser = Boolean(request.headers['accept-language'] || request.headers.referer);
    if (looksLikeBrowser || delayMs === 0) return next.handle();
    return from(sleep(delayMs)).pipe(switchMap(() => next.handle()));
  }
}

export const BotDelay = () => UseInterceptors(BotDelayInterceptor);
