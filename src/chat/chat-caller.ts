import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANON_SESSION_HEADER, anonSessionOf } from '../common/auth/anon-session.js';
import type { AuthenticatedRequest, AuthUser } from '../common/auth/auth-user.js';
import type { ChatOwner } from './chat-rows.js';

/** Who is chatting: a signed-in user, or a guest known by its X-Anon-Session. */
export type ChatCaller =
  { user: AuthUser; guestSession?: undefined } | { user: null; guestSession: string };

/**
 * The caller of a `@Guest()` chat route. A guest must send X-Anon-Session (400 otherwise, and
 * when it is not a UUID); a signed-in user's header is ignored.
 */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ChatCaller => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.user) return { user: request.user };
    const guestSession = anonSessionOf(request);
    if (!guestSession) {
      throw new BadRequestException(
        `Sign in, or send the ${ANON_SESSION_HEADER} header (a UUID) to chat as a guest`,
      );
    }
    return { user: null, guestSession };
  },
);

/** Whose chats the caller's are. */
export const ownerOf = (caller: ChatCaller): ChatOwner =>
  caller.user ? { userId: caller.user.id } : { anonSession: caller.guestSession };
