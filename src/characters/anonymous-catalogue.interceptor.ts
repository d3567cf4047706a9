import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Response } from 'express';
import { from, lastValueFrom, map, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../common/auth/auth-user.js';
import { CatalogueCache } from './catalogue-cache.service.js';

/**
 * Serves a `@Guest()` GET route's anonymous answers from the CatalogueCache, keyed by the URL
 * as sent (path and query string). It runs after the guards (the caller is known, bans are
 * checked) and before the pipes, so a hit costs no validation, query or serialization: the
 * URL is only ever stored after the handler answered it, so it has passed validation once.
 * A signed-in caller (NSFW settings, own characters, display language) always reaches the
 * handler; so does every error, which is never kept.
 */
@Injectable()
export class AnonymousCatalogueInterceptor implements NestInterceptor {
  constructor(private readonly cache: CatalogueCache) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    // `user` is null only for an anonymous caller on a guest route (undefined elsewhere).
    if (request.method !== 'GET' || request.user !== null) return next.handle();
    const response = http.getResponse<Response>();
    return from(
      this.cache.remember(`GET ${request.originalUrl}`, async () =>
        JSON.stringify(await lastValueFrom(next.handle())),
      ),
    ).pipe(
      map(({ body, etag }) => {
        // A string body: Express sends it as is (its 304 check included) with these headers.
        response.setHeader('Content-Type', 'application/json; charset=utf-8');
        response.setHeader('ETag', etag);
        return body;
      }),
    );
  }
}
