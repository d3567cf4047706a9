import { LANGUAGES, type Language } from '../../common/languages.js';
import type { CharacterEntity, ContentRating } from '../entities/character.entity.js';

/**
 * How strongly the audience of one language leans towards a kind of character
 * (spec: language_preferences.py). Anything not listed weighs 1.0.
 */
export interface LanguageAffinity {
  readonly contentRating: Readonly<Partial<Record<ContentRating, number>>>;
  /** By free tag or structured tag id (both lower-case, and they share names such as "fantasy"). */
  readonly tags: Readonly<Record<string, number>>;
}

export const LANGUAGE_PREFERENCES: Readonly<Record<Language, LanguageAffinity>> = {
  ru: {
    contentRating: { nsfw: 1.1 },
    tags: { romance: 1.3, fantasy: 1.2, 'slow-burn': 1.2, drama: 1.1, dnd: 0.7, office: 0.9 },
  },
  en: {
    contentRating: {},
    tags: { dnd: 1.5, 'sci-fi': 1.2, fantasy: 1.2, horror: 1.1, yandere: 1.1, 'slow-burn': 1.1 },
  },
  es: {
    contentRating: { nsfw: 0.9 },
    tags: { romance: 1.4, drama: 1.3, 'enemies-to-lovers': 1.2, comedy: 1.1, 'sci-fi': 0.8 },
  },
  fr: {
    contentRating: { nsfw: 0.9 },
    tags: { romance: 1.3, historical: 1.2, mystery: 1.2, dark: 1.1, tsundere: 0.8 },
  },
  de: {
    contentRating: { nsfw: 0.8 },
    tags: { fantasy: 1.3, 'sci-fi': 1.2, dnd: 1.3, historical: 1.1, steampunk: 1.2, yandere: 0.8 },
  },
  pt: {
    contentRating: { nsfw: 0.9 },
    tags: { romance: 1.3, comedy: 1.2, 'friends-to-lovers': 1.2, academy: 1.1, horror: 0.9 },
  },
  it: {
    contentRating: { nsfw: 0.8 },
    tags: { romance: 1.3, historical: 1.2, drama: 1.2, mystery: 1.1, cyberpunk: 0.8 },
  },
};

export type AudienceTraits = Pick<CharacterEntity, 'tags' | 'structuredTags' | 'contentRating'>;

/**
 * The combined weight of a character for one language's audience. Weights multiply, so a
 * character matching several favoured tags is favoured more; a tag present both as a free tag
 * and as a structured tag counts once.
 */
export function languageAffinity(character: AudienceTraits, lang: Language): number {
  const preferences = LANGUAGE_PREFERENCES[lang];
  const tags = new Set(
    [...character.tags, ...character.structuredTags].map((t) => t.toLowerCase()),
  );
  let affinity = preferences.contentRating[character.contentRating] ?? 1;
  for (const tag of tags) affinity *= preferences.tags[tag] ?? 1;
  return affinity;
}

export type LanguageTotals = Record<Language, number>;

export interface EngagementCounts {
  chat: LanguageTotals;
  like: LanguageTotals;
}

interface CountRange {
  /** Chats per language before the affinity weight: a uniform draw from [min, max). */
  chats: readonly [min: number, max: number];
  /** Likes as a share of those chats, drawn the same way. */
  likeShare: readonly [min: number, max: number];
}

// Small enough that a new character does not look more popular than established ones.
const INITIAL: CountRange = { chats: [20, 200], likeShare: [0.1, 0.3] };
const DAILY: CountRange = { chats: [0, 8], likeShare: [0.1, 0.35] };

const uniform = (random: () => number, [min, max]: readonly [number, number]): number =>
  min + random() * (max - min);

/**
 * Draws chat and like counts for every language, in LANGUAGES order, chat before like, so
 * the result depends only on the character and the sequence `random` yields.
 */
function drawCounts(
  character: AudienceTraits,
  random: () => number,
  range: CountRange,
): EngagementCounts {
  const chat = {} as LanguageTotals;
  const like = {} as LanguageTotals;
  for (const lang of LANGUAGES) {
    chat[lang] = Math.round(uniform(random, range.chats) * languageAffinity(character, lang));
    like[lang] = Math.round(chat[lang] * uniform(random, range.likeShare));
  }
  return { chat, like };
}

/** Starting `base_chat_count` / `base_like_count` of a newly published character. */
export function initialBaseCounts(
  character: AudienceTraits,
  random: () => number,
): EngagementCounts {
  return drawCounts(character, random, INITIAL);
}

/** The daily bump added to those counters (spec: counter_growth.py). */
export function dailyGrowth(character: AudienceTraits, random: () => number): EngagementCounts {
  return drawCounts(character, random, DAILY);
}
