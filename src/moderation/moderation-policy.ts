import type { SettingsService } from '../common/settings/settings.service.js';
import {
  MODERATION_CATEGORIES,
  type HitSource,
  type ModerationCategory,
  type ModerationHit,
  type ModerationResult,
  type ModerationVerdict,
} from './moderation.types.js';

/** The admin settings that steer moderation, read together (thresholds as 0..1; 0: never). */
export interface ModerationPolicy {
  refuse: Record<ModerationCategory, number>;
  review: Record<ModerationCategory, number>;
  newAccountReviewDays: number;
  providerEnabled: boolean;
  /** Replies are held back until checked (the chat's ReplyScreen). */
  holdBackOutput: boolean;
}

/** The settings' defaults, until the first read (src/common/settings/settings.registry.ts). */
export const DEFAULT_POLICY: ModerationPolicy = {
  refuse: {
    minors_sexual: 0.7,
    sexual: 0,
    violence_graphic: 0,
    self_harm: 0,
    hate: 0,
    illegal: 0,
  },
  review: {
    minors_sexual: 0.3,
    sexual: 0.9,
    violence_graphic: 0.8,
    self_harm: 0.7,
    hate: 0.6,
    illegal: 0.7,
  },
  newAccountReviewDays: 0,
  providerEnabled: true,
  holdBackOutput: false,
};

export async function readPolicy(settings: SettingsService): Promise<ModerationPolicy> {
  const percent = async (key: `moderation_${'refuse' | 'review'}.${ModerationCategory}`) =>
    (await settings.get(key)) / 100;
  const refuse = {} as Record<ModerationCategory, number>;
  const review = {} as Record<ModerationCategory, number>;
  for (const category of MODERATION_CATEGORIES) {
    refuse[category] = await percent(`moderation_refuse.${category}`);
    review[category] = await percent(`moderation_review.${category}`);
  }
  return {
    refuse,
    review,
    newAccountReviewDays: await settings.get('moderation_new_account_review_days'),
    providerEnabled: await settings.get('moderation_provider_enabled'),
    holdBackOutput: await settings.get('moderation_output_hold_back'),
  };
}

/** One field's opinions: the rules', and the provider's when it answered. */
export interface FieldResults {
  field: string;
  results: Array<{ source: HitSource; result: ModerationResult }>;
}

/**
 * Hits (every category at or above its review or refuse threshold, strongest first) and the
 * verdict: refuse when a hit reaches its refuse threshold, review when one reaches its review
 * threshold. Sexual content is what an NSFW text is for: not counted there. `relax` (a new
 * account's character) turns a refusal into review, except for minors_sexual.
 */
export function decide(
  fields: FieldResults[],
  policy: ModerationPolicy,
  options: { nsfw: boolean; relax?: boolean },
): { verdict: ModerationVerdict; hits: ModerationHit[] } {
  const hits: ModerationHit[] = [];
  let verdict: ModerationVerdict = 'allow';
  for (const { field, results } of fields) {
    for (const { source, result } of results) {
      for (const category of MODERATION_CATEGORIES) {
        if (category === 'sexual' && options.nsfw) continue;
        const score = round(result.scores[category] ?? 0);
        const refuse = policy.refuse[category] > 0 && score >= policy.refuse[category];
        const review = policy.review[category] > 0 && score >= policy.review[category];
        if (!refuse && !review) continue;
        const excerpt = result.excerpts?.[category];
        hits.push({ field, category, score, source, ...(excerpt ? { excerpt } : {}) });
        if (refuse && !(options.relax && category !== 'minors_sexual')) verdict = 'refuse';
        else if (verdict === 'allow') verdict = 'review';
      }
    }
  }
  hits.sort((a, b) => b.score - a.score);
  return { verdict, hits };
}

/** Whether a hit reaches its category's refuse threshold (for naming the refusal's cause). */
export const refuses = (hit: ModerationHit, policy: ModerationPolicy): boolean =>
  policy.refuse[hit.category] > 0 && hit.score >= policy.refuse[hit.category];

const round = (score: number): number => Math.round(score * 1000) / 1000;
