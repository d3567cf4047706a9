import type { Tier } from '../common/auth/access.decorators.js';
import type { AuthUser, Role } from '../common/auth/auth-user.js';
import type { SettingKey } from '../common/settings/settings.registry.js';
import { isSystemEmail } from './system-accounts.js';

/** Guests chat without an account; they get the anon limits. */
export type LimitTier = 'anon' | Tier;

export interface TierLimits {
  /** Messages a day; null means unlimited. */
  dailyMessages: number | null;
  /** Ceiling of `max_tokens` for one reply. */
  maxTokens: number;
  /** History messages sent to the model with each request. */
  contextMessages: number;
  /** Notes pinned to one chat's memory (GET/PUT /api/chats/{id}/memory). */
  pinnedNotes: number;
  /** Characters of one pinned note. */
  pinnedNoteChars: number;
  /** Characters one account keeps (drafts and published, deleted ones not); null: no limit. */
  characters: number | null;
}

/** The one table of per-tier limits (spec: chat/daily_limit.py TIER_LIMITS). */
export const TIER_LIMITS: Readonly<Record<LimitTier, Readonly<TierLimits>>> = {
  anon: {
    dailyMessages: 20,
    maxTokens: 1024,
    contextMessages: 10,
    pinnedNotes: 3,
    pinnedNoteChars: 300,
    characters: 0,
  },
  free: {
    dailyMessages: 200,
    maxTokens: 2048,
    contextMessages: 30,
    pinnedNotes: 10,
    pinnedNoteChars: 500,
    characters: 100,
  },
  premium: {
    dailyMessages: null,
    maxTokens: 4096,
    contextMessages: 50,
    pinnedNotes: 30,
    pinnedNoteChars: 1000,
    characters: 1000,
  },
  admin: {
    dailyMessages: null,
    maxTokens: 4096,
    contextMessages: 50,
    pinnedNotes: 30,
    pinnedNoteChars: 1000,
    characters: null,
  },
};

/**
 * The admin setting listing the models each tier may name (see llm/models/model-allowlist.service.ts); null: any
 * model. `auto` is always allowed: what it picks is ours, bounded by the cost mode.
 */
export const MODEL_ALLOWLIST_SETTING: Readonly<
  Record<LimitTier, Extract<SettingKey, `allowed_models.${string}`> | null>
> = {
  anon: 'allowed_models.guest',
  free: 'allowed_models.free',
  premium: 'allowed_models.premium',
  admin: null,
};

/**
 * How many characters `user` may keep: their tier's count, none for the platform's own
 * accounts (the generated catalogue and the starters belong to one).
 */
export const characterLimit = (user: AuthUser): number | null =>
  isSystemEmail(user.email) ? null : TIER_LIMITS[user.tier].characters;

const TIER_RANK: Record<LimitTier, number> = { anon: 0, free: 1, premium: 2, admin: 3 };

/** anon (a guest) < free < premium < admin. */
export const tierAtLeast = (tier: LimitTier, minimum: LimitTier): boolean =>
  TIER_RANK[tier] >= TIER_RANK[minimum];

/**
 * The `max_tokens` a reply may use: what was asked for, capped at the tier's ceiling; the
 * ceiling itself when nothing (or nothing sensible) was asked for.
 */
export function capMaxTokens(requested: number | null | undefined, tier: LimitTier): number {
  const ceiling = TIER_LIMITS[tier].maxTokens;
  if (requested === null || requested === undefined || !Number.isFinite(requested)) return ceiling;
  return Math.min(Math.max(1, Math.floor(requested)), ceiling);
}

/**
 * Keeps tier and role consistent: an admin is on the admin tier; someone who stops being an
 * admin falls back to free, while a premium subscription survives role changes.
 */
export function tierForRole(role: Role, tier: Tier): Tier {
  if (role === 'admin') return 'admin';
  return tier === 'admin' ? 'free' : tier;
}
