import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANON_SESSION_HEADER, anonSessionOf } from '../common/auth/anon-session.js';
import type { AuthenticatedRequest, AuthUser } from '../common/auth/auth-user.js';
import type { LimitTier } from '../auth/tiers.js';
import type { QuotaSubject } from '../auth/usage/message-quota.service.js';
import type { ChatOwner } from './chat-rows.js';

/**
 * Who is chatting: a signed-in user, or a guest known by its X-Anon-Session; and, when the
 * request came with one, its client address (the guest allowance is also counted per address,
 * moderation violations are for anyone).
 */
export type ChatCaller =
  | { user: AuthUser; guestSession?: undefined; address?: string }
  | { user: null; guestSession: string; address?: string };

/** The caller of a request: its user, else its guest session (400 when not a UUID), else null. */
function callerOf(context: ExecutionContext): ChatCaller | null {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (request.user) return { user: request.user, address: request.ip };
  const guestSession = anonSessionOf(request);
  return guestSession ? { user: null, guestSession, address: request.ip } : null;
}

/** The caller `callerOf` found, or the 400 telling a guest to send its session. */
export function requireCaller(caller: ChatCaller | null): ChatCaller {
  if (caller) return caller;
  throw new BadRequestException(
    `Sign in, or send the ${ANON_SESSION_HEADER} header (a UUID) to chat as a guest`,
  );
}

/**
 * The caller of a `@Guest()` chat route. A guest must send X-Anon-Session (400 otherwise, and
 * when it is not a UUID); a signed-in user's header is ignored.
 */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ChatCaller => requireCaller(callerOf(context)),
);

/** Like Caller, but null without a user or a guest session: for routes with other credentials. */
export const OptionalCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ChatCaller | null => callerOf(context),
);

/** Whose messages a send counts: the user, else the guest session and its address. */
export const quotaSubjectOf = (caller: ChatCaller): QuotaSubject =>
  caller.user
    ? { user: caller.user }
    : { guestSession: caller.guestSession, address: caller.address };

/** The tier whose limits and capabilities apply to the caller (guests: anon). */
export const tierOf = (caller: ChatCaller): LimitTier => caller.user?.tier ?? 'anon';

/** Whose chats the caller's are. */
export const ownerOf = (caller: ChatCaller): ChatOwner =>
  caller.user ? { userId: caller.user.id } : { anonSession: caller.guestSession };
