import { BadRequestException, Injectable } from '@nestjs/common';
import { SettingsService } from '../../common/settings/settings.service.js';
import { type LimitTier, MODEL_ALLOWLIST_SETTING } from '../../auth/tiers.js';

/** What a tier may name: every model, or these allowlist entries (`*`, provider, provider:model). */
export type ModelAllowlist = { any: true } | { any: false; entries: readonly string[] };

/** `pattern` with `*` matching any run of characters; linear in the lengths, no regex. */
function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (text.length < first.length + last.length) return false;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** One entry against a request: `model` undefined is the provider's own choice. */
function entryAllows(entry: string, provider: string, model: string | undefined): boolean {
  if (entry === '*') return true;
  const separator = entry.indexOf(':');
  if (separator < 0) return entry === provider;
  // provider:model entries allow those models only, not whatever the provider would choose.
  if (model === undefined || entry.slice(0, separator) !== provider) return false;
  return globMatches(entry.slice(separator + 1), model);
}

export function modelAllowed(
  allowlist: ModelAllowlist,
  provider: string,
  model: string | undefined,
): boolean {
  return allowlist.any || allowlist.entries.some((entry) => entryAllows(entry, provider, model));
}

/**
 * Which models each tier may name, from the `allowed_models.<tier>` settings
 * (MODEL_ALLOWLIST_SETTING is the mapping): chat sends and regenerations, persona replies and
 * the model lists all ask here.
 */
@Injectable()
export class ModelAllowlistService {
  constructor(private readonly settings: SettingsService) {}

  async forTier(tier: LimitTier): Promise<ModelAllowlist> {
    const key = MODEL_ALLOWLIST_SETTING[tier];
    return key === null ? { any: true } : { any: false, entries: await this.settings.get(key) };
  }

  /** A 400 naming what is allowed unless this tier may name `provider` (and `model`). */
  async assertAllowed(tier: LimitTier, provider: string, model: string | undefined): Promise<void> {
    const allowlist = await this.forTier(tier);
    if (modelAllowed(allowlist, provider, model)) return;
    const allowed = ['auto', ...(allowlist.any ? [] : allowlist.entries)].join(', ');
    const named = model === undefined ? provider : `${provider}:${model}`;
    const who = tier === 'anon' ? 'to guests' : `on the ${tier} tier`;
    throw new BadRequestException(`Model ${named} is not available ${who}; allowed: ${allowed}`);
  }
}
