import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../http/error-response.dto.js';

/**
 * Who may call a route. Every route must declare one (a test walks the routes); the global
 * access guard denies routes that do not.
 * - public: anyone, the caller's identity is ignored
 * - guest: anyone; a valid token, when sent, identifies the user
 * - user: a signed-in user
 * - admin: a signed-in user whose role in the database is admin
 */
export type AccessLevel = 'public' | 'guest' | 'user' | 'admin';
export type Tier = 'free' | 'premium' | 'admin';

export const ACCESS_KEY = 'access:level';
export const MIN_TIER_KEY = 'access:min-tier';
export const BAN_EXEMPT_KEY = 'access:ban-exempt';

export const Public = () => SetMetadata(ACCESS_KEY, 'public' satisfies AccessLevel);

export const Guest = () => SetMetadata(ACCESS_KEY, 'guest' satisfies AccessLevel);

export const Authenticated = () =>
  applyDecorators(
    SetMetadata(ACCESS_KEY, 'user' satisfies AccessLevel),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or invalid token' }),
  );

export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS_KEY, 'admin' satisfies AccessLevel),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or invalid token' }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' }),
  );

/**
 * Answered to banned users and addresses too (the global ban guard skips it): health checks
 * and metrics, so a probe from an address that got banned cannot take the instances down.
 */
export const ExemptFromBans = () => SetMetadata(BAN_EXEMPT_KEY, true);

/** A signed-in user on at least this tier (free < premium < admin). */
export const MinTier = (tier: Tier) =>
  applyDecorators(
    SetMetadata(ACCESS_KEY, 'user' satisfies AccessLevel),
    SetMetadata(MIN_TIER_KEY, tier),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or invalid token' }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: `Needs the ${tier} tier` }),
  );
