import {
  applyDecorators,
  BadRequestException,
  createParamDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import type { Request } from 'express';

/** Identifies a guest (no account) across requests; the frontend makes one UUID per browser. */
export const ANON_SESSION_HEADER = 'X-Anon-Session';

/** A guest session id, lower-cased; undefined unless `value` is a UUID. */
const sessionFrom = (value: unknown): string | undefined =>
  typeof value === 'string' && isUUID(value) ? value.toLowerCase() : undefined;

/** A guest session id from `source` (a header or query parameter): undefined, or 400 if not a UUID. */
export function parseAnonSession(value: unknown, source: string): string | undefined {
  if (value === undefined) return undefined;
  const session = sessionFrom(value);
  if (session === undefined) throw new BadRequestException(`${source} must be a UUID`);
  return session;
}

/** Only the headers: callers hold a Request or an AuthenticatedRequest (whose `user` differs). */
const headerOf = (request: Pick<Request, 'headers'>): unknown =>
  request.headers[ANON_SESSION_HEADER.toLowerCase()];

/** The X-Anon-Session header's value; undefined when absent, 400 when it is not a UUID. */
export const anonSessionOf = (request: Pick<Request, 'headers'>): string | undefined =>
  parseAnonSession(headerOf(request), ANON_SESSION_HEADER);

/**
 * The X-Anon-Session header's value as `anonSessionOf` reads it, or undefined when absent or
 * not a UUID, for code that must not throw (rate-limit trackers run before the route).
 */
export const readAnonSession = (request: Pick<Request, 'headers'>): string | undefined =>
  sessionFrom(headerOf(request));

/** The guest session a request carries (`X-Anon-Session`), or undefined. */
export const AnonSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined =>
    anonSessionOf(context.switchToHttp().getRequest<Request>()),
);

/** Documents the header on a route. */
export const ApiAnonSession = (description: string) =>
  applyDecorators(ApiHeader({ name: ANON_SESSION_HEADER, required: false, description }));
