/** Helpers of the SEO tests: characters seeded straight into the database, and parsers. */
import { expect } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../support/test-app.js';

export const LONG_DESCRIPTION =
  'A lighthouse keeper on a storm-beaten island who trades stories for news of the mainland and never forgets a face.';

export interface SeededCharacter {
  id: string;
  slug: string;
}

export interface CharacterSeed {
  slug?: string;
  name?: string;
  description?: string;
  greeting?: string;
  personality?: string;
  scenario?: string;
  appearance?: string;
  tags?: string[];
  structuredTags?: string[];
  isPublic?: boolean;
  avatarUrl?: string | null;
  contentRating?: 'sfw' | 'nsfw';
  originalLanguage?: string;
  translations?: Record<string, Record<string, string>>;
  highlights?: Array<{ text: string; lang: string }>;
  realChatCount?: number;
  realLikeCount?: number;
  baseChatCount?: Record<string, number>;
  baseLikeCount?: Record<string, number>;
  deleted?: boolean;
  createdAt?: Date;
}

/**
 * A character that passes the quality gate unless the seed says otherwise. Inserted with SQL:
 * the SEO module only reads characters, and the catalogue's own tests cover how they are made.
 */
export async function seedCharacter(
  t: TestApp,
  ownerId: string,
  seed: CharacterSeed = {},
): Promise<SeededCharacter> {
  const translations = seed.translations ?? {};
  const original = seed.originalLanguage ?? 'en';
  const [row] = await t.dataSource.query<Array<{ id: string; slug: string }>>(
    `INSERT INTO character (slug, owner_id, name, description, greeting, personality, scenario,
       appearance, tags, structured_tags, is_public, avatar_url, content_rating, original_language,
       languages, translations, highlights, real_chat_count, real_like_count, base_chat_count,
       base_like_count, deleted_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
       $20, $21, $22, $23, $23)
     RETURNING id, slug`,
    [
      seed.slug ?? `seo-${randomUUID().slice(0, 8)}`,
      ownerId,
      seed.name ?? 'Mira the Keeper',
      seed.description ?? LONG_DESCRIPTION,
      seed.greeting ?? '*The lamp swings overhead.* You made it through the storm, {{user}}.',
      seed.personality ?? '',
      seed.scenario ?? '',
      seed.appearance ?? '',
      seed.tags ?? [],
      seed.structuredTags ?? [],
      seed.isPublic ?? true,
      seed.avatarUrl === undefined ? '/api/avatars/seed.png' : seed.avatarUrl,
      seed.contentRating ?? 'sfw',
      original,
      [original, ...Object.keys(translations)],
      JSON.stringify(translations),
      JSON.stringify(seed.highlights ?? []),
      seed.realChatCount ?? 0,
      seed.realLikeCount ?? 0,
      JSON.stringify(seed.baseChatCount ?? {}),
      JSON.stringify(seed.baseLikeCount ?? {}),
      seed.deleted ? new Date() : null,
      seed.createdAt ?? new Date(),
    ],
  );
  return row;
}

/** Parses XML the strict way (the validator rejects what a lenient parser would let through). */
export function parseXml(body: string): Record<string, unknown> {
  const valid = XMLValidator.validate(body);
  expect(valid).toBe(true);
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name) => ['url', 'item', 'sitemap', 'category'].includes(name),
  }).parse(body) as Record<string, unknown>;
}

/** The JSON-LD blocks of a page, each parsed (a block that is not JSON fails the test). */
export function jsonLdBlocks(page: string): Array<Record<string, unknown>> {
  return [...page.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map(
    (match) => JSON.parse(match[1]) as Record<string, unknown>,
  );
}

/** A `<meta name|property="…" content="…">` value, entity-decoded. */
export function meta(page: string, key: string): string | undefined {
  const match = new RegExp(`<meta (?:name|property)="${key}" content="([^"]*)">`).exec(page);
  return match ? decodeEntities(match[1]) : undefined;
}

export function linkHref(page: string, rel: string): string | undefined {
  const match = new RegExp(`<link rel="${rel}" href="([^"]*)">`).exec(page);
  return match ? decodeEntities(match[1]) : undefined;
}

export function hreflangs(page: string): Record<string, string> {
  return Object.fromEntries(
    [...page.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]*)">/g)].map((m) => [
      m[1],
      decodeEntities(m[2]),
    ]),
  );
}

export const decodeEntities = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export const textOf = (tagged: string | undefined): string | undefined =>
  tagged === undefined ? undefined : decodeEntities(tagged.replace(/<[^>]+>/g, '').trim());

/** The first element's inner HTML, e.g. `inner(page, 'h1')`. */
export function inner(page: string, tag: string): string | undefined {
  return new RegExp(`<${tag}(?: [^>]*)?>([\\s\\S]*?)</${tag}>`).exec(page)?.[1];
}
