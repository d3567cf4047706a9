import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Tier } from './access.decorators.js';

export type Role = 'user' | 'admin';

/** Who is calling, as the access guard loaded it from the database for this request. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  tier: Tier;
}

/** Set by the access guard: the user, null for an anonymous guest, absent on public routes. */
export type AuthenticatedRequest = Omit<Request, 'user'> & { user?: AuthUser | null };

/**
 * The caller on `@Authenticated()`/`@AdminOnly()`/`@MinTier()` routes, or `AuthUser | null`
 * on `@Guest()` routes.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser | null =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().user ?? null,
);
