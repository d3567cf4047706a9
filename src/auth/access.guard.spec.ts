import { describe, expect, it, jest } from '@jest/globals';
import {
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  AdminOnly,
  Authenticated,
  Guest,
  MinTier,
  Public,
} from '../common/auth/access.decorators.js';
import type { AuthenticatedRequest, AuthUser } from '../common/auth/auth-user.js';
import { AccessGuard } from './access.guard.js';
import type { AuthTokenService } from './auth-token.service.js';

@Controller('demo')
class DemoController {
  @Get('open') @Public() open() {}
  @Get('browse') @Guest() browse() {}
  @Get('mine') @Authenticated() mine() {}
  @Get('manage') @AdminOnly() manage() {}
  @Get('premium') @MinTier('premium') premium() {}
  @Get('forgotten') forgotten() {}
}

@Authenticated()
@Controller('members')
class MembersController {
  @Get() list() {}
  @Get('preview') @Public() preview() {}
}

const USERS: Record<string, AuthUser> = {
  free: { id: 'u1', email: 'free@example.com', role: 'user', tier: 'free' },
  premium: { id: 'u2', email: 'premium@example.com', role: 'user', tier: 'premium' },
  admin: { id: 'u3', email: 'admin@example.com', role: 'admin', tier: 'admin' },
};

/** Tokens here are just the USERS key; anything else is an invalid token. */
const tokens = {
  authenticate: jest.fn(async (token: string) => {
    const user = USERS[token];
    if (!user) throw new UnauthorizedException('Invalid or expired token');
    return user;
  }),
} as unknown as AuthTokenService;

const guard = new AccessGuard(new Reflector(), tokens);

async function check(
  controller: Function,
  handler: string,
  authorization?: string,
): Promise<{ allowed?: boolean; error?: unknown; request: AuthenticatedRequest }> {
  const request = { headers: { authorization } } as unknown as AuthenticatedRequest;
  const context = {
    getHandler: () => (controller.prototype as Record<string, Function>)[handler],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  try {
    return { allowed: await guard.canActivate(context), request };
  } catch (error) {
    return { error, request };
  }
}

describe('AccessGuard', () => {
  it('lets anyone through a public route, ignoring any token', async () => {
    const { allowed, request } = await check(DemoController, 'open', 'Bearer garbage');
    expect(allowed).toBe(true);
    expect(request.user).toBeUndefined();
  });

  it('denies a route without an access rule with 403 and a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { error } = await check(DemoController, 'forgotten', 'Bearer admin');
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(warn).toHaveBeenCalledWith(
      'Denied DemoController.forgotten: the route declares no access level',
    );
    warn.mockRestore();
  });

  describe('guest routes', () => {
    it('let anonymous callers in as null', async () => {
      const { allowed, request } = await check(DemoController, 'browse');
      expect(allowed).toBe(true);
      expect(request.user).toBeNull();
    });

    it('identify a caller with a valid token', async () => {
      const { request } = await check(DemoController, 'browse', 'Bearer free');
      expect(request.user).toEqual(USERS.free);
    });

    it('serve a stale or malformed credential as anonymous, not a 401', async () => {
      for (const authorization of ['Bearer expired', 'Basic abc', 'Bearer']) {
        const { allowed, request } = await check(DemoController, 'browse', authorization);
        expect({ authorization, allowed, user: request.user }).toEqual({
          authorization,
          allowed: true,
          user: null,
        });
      }
    });

    it('still fail when the token cannot be checked (database down)', async () => {
      const failing = new AccessGuard(new Reflector(), {
        authenticate: () => Promise.reject(new Error('connection refused')),
      } as unknown as AuthTokenService);
      const request = { headers: { authorization: 'Bearer free' } };
      const context = {
        getHandler: () => DemoController.prototype.browse,
        getClass: () => DemoController,
        switchToHttp: () => ({ getRequest: () => request }),
      } as unknown as ExecutionContext;
      await expect(failing.canActivate(context)).rejects.toThrow('connection refused');
    });
  });

  describe('user routes', () => {
    it('require a valid bearer token', async () => {
      expect((await check(DemoController, 'mine')).error).toBeInstanceOf(UnauthorizedException);
      expect((await check(DemoController, 'mine', 'Bearer nobody')).error).toBeInstanceOf(
        UnauthorizedException,
      );
      expect((await check(DemoController, 'mine', 'Basic abc')).error).toBeInstanceOf(
        UnauthorizedException,
      );
    });

    it('set the current user', async () => {
      const { allowed, request } = await check(DemoController, 'mine', 'bearer premium');
      expect(allowed).toBe(true);
      expect(request.user).toEqual(USERS.premium);
    });

    it('follow a class-level rule, which a method-level rule overrides', async () => {
      expect((await check(MembersController, 'list')).error).toBeInstanceOf(UnauthorizedException);
      expect((await check(MembersController, 'list', 'Bearer free')).allowed).toBe(true);
      expect((await check(MembersController, 'preview')).allowed).toBe(true);
    });
  });

  describe('admin routes', () => {
    it('refuse a signed-in user who is not an admin with 403', async () => {
      const { error } = await check(DemoController, 'manage', 'Bearer premium');
      expect(error).toBeInstanceOf(ForbiddenException);
      expect((error as ForbiddenException).message).toBe('Only admins may do this');
    });

    it('let an admin in, and refuse anonymous callers with 401', async () => {
      expect((await check(DemoController, 'manage', 'Bearer admin')).allowed).toBe(true);
      expect((await check(DemoController, 'manage')).error).toBeInstanceOf(UnauthorizedException);
    });
  });

  describe('minimum tier', () => {
    it('refuses a lower tier with 403 and lets equal or higher tiers in', async () => {
      const { error } = await check(DemoController, 'premium', 'Bearer free');
      expect(error).toBeInstanceOf(ForbiddenException);
      expect((error as ForbiddenException).message).toBe('This needs the premium tier');
      expect((await check(DemoController, 'premium', 'Bearer premium')).allowed).toBe(true);
      expect((await check(DemoController, 'premium', 'Bearer admin')).allowed).toBe(true);
      expect((await check(DemoController, 'premium')).error).toBeInstanceOf(UnauthorizedException);
    });
  });
});
