/**
 * Limits of a character's fields, shared by the create/update DTO and by card import (which
 * clamps a card from another app into them instead of refusing it).
 */
export const CHARACTER_LIMITS = {
  name: 100,
  text: 20_000,
  alternateGreetings: 20,
  /** Free tags kept per character. */
  tags: 30,
  /** The comma-separated tags string of the API. */
  tagsText: 500,
  maxTokensMin: 64,
  maxTokensMax: 8192,
  maxTokensDefault: 2048,
} as const;
