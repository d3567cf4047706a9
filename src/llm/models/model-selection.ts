import type { ModelInfo } from '../llm.types.js';

/** How many models `auto` tries within one provider. */
export const AUTO_FALLBACK_SIZE = 3;

/**
 * The `count` best models by quality, spread over vendors: first the best model of each vendor
 * (best first), then the next best regardless of vendor. Spreading matters because models of
 * one vendor tend to fail together (same outage, same moderation).
 */
export function pickFallbackModels(
  models: readonly ModelInfo[],
  count = AUTO_FALLBACK_SIZE,
): ModelInfo[] {
  const ranked = [...models].sort((a, b) => b.quality - a.quality);
  const vendors = new Set<string>();
  const diverse = ranked.filter((model) => !vendors.has(model.vendor) && vendors.add(model.vendor));
  const rest = ranked.filter((model) => !diverse.includes(model));
  return [...diverse, ...rest].slice(0, count);
}
