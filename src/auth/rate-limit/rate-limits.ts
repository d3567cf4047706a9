import { applyDecorators, type ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import {
  hours,
  minutes,
  normalizeIp,
  seconds,
  type ThrottlerGetTrackerFunction,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { readAnonSession } from '../../common/auth/anon-session.js';
import type { AuthenticatedRequest } from '../../common/auth/auth-user.js';
import { sha256Hex } from '../../common/hash.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { normalizeEmail } from '../dto/fields.js';
import { IPV6_SUBNET_PREFIX } from './client-address.js';
import { RateLimitGuard } from './rate-limit.guard.js';

type TrackBy = 'ip' | 'email' | 'user' | 'guestSession';

/**
 * Every rate limit of the platform (spec: auth/rate_limit.py), each a sliding window shared
 * by all routes that use it. Multiplied by RATE_LIMIT_SCALE (0 turns them off).
 */
export const RATE_LIMITS = {
  auth: { limit: 10, ttl: minutes(1), by: 'ip' },
  register: { limit: 3, ttl: hours(1), by: 'ip' },
  reset: { limit: 3, ttl: minutes(5), by: 'ip' },
  resetHourly: { limit: 10, ttl: hours(1), by: 'ip' },
  resetEmail: { limit: 1, ttl: minutes(2), by: 'email' },
  // Confirmation mails go to an address the account may not own: bounded per account.
  verifyEmailResend: { limit: 3, ttl: hours(1), by: 'user' },
  message: { limit: 20, ttl: minutes(1), by: 'user' },
  messageInterval: { limit: 1, ttl: seconds(5), by: 'user' },
  report: { limit: 5, ttl: hours(1), by: 'user' },
  generate: { limit: 10, ttl: hours(1), by: 'user' },
  // Card files: parsing and re-encoding an image, writing a card of up to megabytes.
  // Guests (exports) count per address.
  cardImport: { limit: 30, ttl: hours(1), by: 'user' },
  cardExport: { limit: 30, ttl: minutes(1), by: 'user' },
  // A chat file writes up to thousands of messages in one statement; a search reads every
  // message of the caller's chats (guests, who may search their own, count per address).
  chatImport: { limit: 30, ttl: hours(1), by: 'user' },
  // An export reads every message of a chat, each branch too.
  chatExport: { limit: 30, ttl: minutes(1), by: 'user' },
  chatSearch: { limit: 60, ttl: minutes(1), by: 'user' },
  // Story control rewrites a chat's tree (an edit is screened, a deletion moves every message
  // below it, a branch copies the whole path): bounded per user, as a chat import is.
  storyEdit: { limit: 60, ttl: minutes(1), by: 'user' },
  chatBranch: { limit: 60, ttl: hours(1), by: 'user' },
  // A new chat writes its greetings (up to 21 rows); a group chat's, one per member.
  chatCreate: { limit: 30, ttl: minutes(1), by: 'user' },
  // Character text is screened (rules and the moderation provider) on every write, up to
  // ~1 MB; an avatar is decoded (up to 25 MP), re-encoded and screened.
  characterWrite: { limit: 60, ttl: minutes(1), by: 'user' },
  avatarUpload: { limit: 60, ttl: hours(1), by: 'user' },
  // Chats a guest opens (POST /api/chats), per address and per guest session; signed-in
  // users skip both. 300 new chats in seconds once pushed a character up "popular".
  guestChat: { limit: 30, ttl: minutes(1), by: 'ip', guestsOnly: true },
  guestChatSession: { limit: 10, ttl: minutes(1), by: 'guestSession', guestsOnly: true },
} as const satisfies Record<
  string,
  { limit: number; ttl: number; by: TrackBy; guestsOnly?: boolean }
>;

export type RateLimitName = keyof typeof RATE_LIMITS;

export { IPV6_SUBNET_PREFIX };

const RATE_LIMITS_KEY = 'rate-limits';
const reflector = new Reflector();

/**
 * Undefined falls back to the guard's own tracker: req.ip (which follows X-Forwarded-For only
 * with TRUST_PROXY), IPv6 addresses grouped by IPV6_SUBNET_PREFIX (the module option).
 */
const TRACKERS: Record<TrackBy, ThrottlerGetTrackerFunction | undefined> = {
  ip: undefined,
  // Guards run before validation, so the raw body is normalized here the way the DTO will be;
  // hashed so Redis never holds addresses.
  email: (req) => `email:${sha256Hex(String(normalizeEmail(req.body?.email) ?? ''))}`,
  // The access guard (global, so it runs first) has set req.user; guests count by IP, grouped
  // like the guard's own tracker, or a guest would get fresh windows from each address.
  user: (req) => {
    const { user, ip } = req as AuthenticatedRequest;
    return user ? `user:${user.id}` : `ip:${normalizeIp(ip ?? '', IPV6_SUBNET_PREFIX)}`;
  },
  // The X-Anon-Session header as the route will read it; without a valid one the route
  // answers 400 anyway, so the address stands in.
  guestSession: (req) => {
    const session = readAnonSession(req as Request);
    return session ? `anon:${session}` : `ip:${normalizeIp(req.ip ?? '', IPV6_SUBNET_PREFIX)}`;
  },
};

const isGuestsOnly = (name: RateLimitName): boolean =>
  (RATE_LIMITS[name] as { guestsOnly?: boolean }).guestsOnly === true;

/** A signed-in caller (the global access guard, which runs first, has set req.user). */
const signedIn = (context: ExecutionContext): boolean =>
  Boolean(context.switchToHttp().getRequest<AuthenticatedRequest>().user);

const routeLimits = (context: ExecutionContext): RateLimitName[] =>
  reflector.getAllAndOverride<RateLimitName[] | undefined>(RATE_LIMITS_KEY, [
    context.getHandler(),
    context.getClass(),
  ]) ?? [];

/** Options for ThrottlerModule: one named throttler per limit, applied only where declared. */
export function throttlerOptions(
  scale: number,
  storage?: ThrottlerStorage,
): ThrottlerModuleOptions {
  return {
    storage,
    errorMessage: 'Too many requests, please retry later',
    ipv6SubnetPrefix: IPV6_SUBNET_PREFIX,
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    throttlers: (Object.keys(RATE_LIMITS) as RateLimitName[]).map((name) => ({
      name,
      limit: RATE_LIMITS[name].limit * scale,
      ttl: RATE_LIMITS[name].ttl,
      // Sliding windows: a refused request is not counted, and Retry-After is when the oldest
      // counted one leaves the window. The Redis storage implements the same.
      blockDuration: 0,
      getTracker: TRACKERS[RATE_LIMITS[name].by],
      skipIf: (context: ExecutionContext) =>
        scale === 0 ||
        !routeLimits(context).includes(name) ||
        (isGuestsOnly(name) && signedIn(context)),
    })),
  };
}

/** Applies the named limits to a route or controller; 429 with Retry-After once exceeded. */
export const RateLimit = (...names: RateLimitName[]) =>
  applyDecorators(
    SetMetadata(RATE_LIMITS_KEY, names),
    UseGuards(RateLimitGuard),
    ApiTooManyRequestsResponse({
      type: ErrorResponseDto,
      description: 'Rate limited; Retry-After says when to try again',
    }),
  );

/** For chat: 20 messages a minute and one per 5 seconds, per user (guests per IP). */
export const MessageThrottle = () => RateLimit('message', 'messageInterval');
