import { Injectable } from '@nestjs/common';
import type { Language } from '../common/languages.js';
import type { CharacterEntity, TranslatedField } from './entities/character.entity.js';
import { DEFINITION_FIELDS } from './lib/definition-access.js';
import { PublicCatalogueRepository, type SitemapCursor } from './public-catalogue.repository.js';

/**
 * A character as public SEO surfaces show it, its text in one language: the requested one
 * when a translation exists, else the original.
 */
export interface PublicCharacter {
  id: string;
  slug: string;
  ownerId: string;
  /** The language of the text fields below. */
  language: Language;
  originalLanguage: Language;
  /** The original language and every translated one. */
  languages: Language[];
  name: string;
  description: string;
  personality: string;
  scenario: string;
  greeting: string;
  appearance: string;
  /** Editorial highlights written in `language`. */
  highlights: string[];
  tags: string[];
  structuredTags: string[];
  avatarUrl: string;
  /** Real counts only: the displayed counters' per-language base numbers are left out. */
  chatCount: number;
  likeCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Characters in sitemap order: slugs and, at the same index, lastmod (W3C datetime, UTC). */
export interface SitemapEntries {
  slugs: string[];
  lastmods: string[];
}

export interface CatalogueCounts {
  campaigns: number;
  /** Characters per structured tag id (tags without any are absent). */
  byTag: Map<string, number>;
}

/** Rows per keyset page of the sitemap: bounded memory whatever the catalogue's size. */
const SITEMAP_PAGE_SIZE = 1000;

/**
 * The translated fields a public page shows: speech patterns and examples are prompt material.
 * Personality, scenario and appearance are left empty when the creator hid the definition.
 */
const TEXT_FIELDS = [
  'name',
  'description',
  'personality',
  'scenario',
  'greeting',
  'appearance',
] as const satisfies readonly TranslatedField[];

function toPublicCharacter(character: CharacterEntity, lang?: Language): PublicCharacter {
  const translation =
    lang && lang !== character.originalLanguage && character.languages.includes(lang)
      ? character.translations[lang]
      : undefined;
  const language = translation ? lang! : character.originalLanguage;
  const text = Object.fromEntries(
    TEXT_FIELDS.map((field) => [
      field,
      character.definitionHidden && (DEFINITION_FIELDS as readonly string[]).includes(field)
        ? ''
        : translation?.[field] || character[field],
    ]),
  ) as Record<(typeof TEXT_FIELDS)[number], string>;
  return {
    id: character.id,
    slug: character.slug,
    ownerId: character.ownerId,
    language,
    originalLanguage: character.originalLanguage,
    languages: character.languages,
    ...text,
    highlights: character.highlights.filter((h) => h.lang === language).map((h) => h.text),
    tags: character.tags,
    structuredTags: character.structuredTags,
    avatarUrl: character.avatarUrl!,
    chatCount: character.realChatCount,
    likeCount: character.realLikeCount,
    createdAt: character.createdAt,
    updatedAt: character.updatedAt,
  };
}

/**
 * What crawlers, feeds and sitemaps may read from the catalogue (exported for the SEO module).
 * Only characters that pass the quality gate (see PublicCatalogueRepository) ever come out.
 */
@Injectable()
export class PublicCatalogueService {
  constructor(private readonly catalogue: PublicCatalogueRepository) {}

  async findBySlug(slug: string, lang?: Language): Promise<PublicCharacter | null> {
    const character = await this.catalogue.findBySlug(slug.toLowerCase());
    return character && toPublicCharacter(character, lang);
  }

  async popular(lang: Language, limit: number): Promise<PublicCharacter[]> {
    return (await this.catalogue.popular(limit)).map((c) => toPublicCharacter(c, lang));
  }

  async byStructuredTag(tag: string, lang: Language, limit: number): Promise<PublicCharacter[]> {
    const rows = await this.catalogue.popular(limit, { structuredTag: tag });
    return rows.map((c) => toPublicCharacter(c, lang));
  }

  /** DnD characters: 'dnd' among the free tags or the structured tags. */
  async campaigns(lang: Language, limit: number): Promise<PublicCharacter[]> {
    const rows = await this.catalogue.popular(limit, { campaign: true });
    return rows.map((c) => toPublicCharacter(c, lang));
  }

  async related(character: PublicCharacter, limit: number): Promise<PublicCharacter[]> {
    const rows = await this.catalogue.related(character.id, character.structuredTags, limit);
    return rows.map((c) => toPublicCharacter(c, character.language));
  }

  async newest(lang: Language, limit: number): Promise<PublicCharacter[]> {
    return (await this.catalogue.newest(limit)).map((c) => toPublicCharacter(c, lang));
  }

  counts(): Promise<CatalogueCounts> {
    return this.catalogue.counts();
  }

  /** How many characters a sitemap lists, and a checksum that changes whenever it would. */
  sitemapChecksum(): Promise<{ count: number; checksum: string }> {
    return this.catalogue.sitemapChecksum();
  }

  /**
   * Up to `count` characters from position `start` of a stable order (oldest first, so new
   * characters append to the last sitemap file), in keyset pages of SITEMAP_PAGE_SIZE.
   */
  async *sitemapEntries(start: number, count: number): AsyncGenerator<SitemapEntries> {
    let cursor: SitemapCursor | null = await this.catalogue.sitemapCursorAt(start);
    if (start > 0 && !cursor) return;
    for (let left = count; left > 0;) {
      const page = await this.catalogue.sitemapPage(cursor, Math.min(SITEMAP_PAGE_SIZE, left));
      if (page.slugs.length === 0 || !page.next) return;
      yield { slugs: page.slugs, lastmods: page.lastmods };
      left -= page.slugs.length;
      cursor = page.next;
    }
  }

  /** Public, live characters of every rating, leaving out those of the given owners. */
  countForStats(excludedOwnerIds: string[]): Promise<number> {
    return this.catalogue.countPublic(excludedOwnerIds);
  }
}
