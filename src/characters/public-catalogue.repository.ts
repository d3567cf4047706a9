import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { CharacterEntity } from './entities/character.entity.js';
import { campaignCondition } from './lib/campaign.js';

/** A gated character's description is at least this long (characters, after trimming). */
export const MIN_DESCRIPTION_LENGTH = 80;

/**
 * The quality gate: the one definition of which characters crawlers, feeds and sitemaps may
 * ever see. A character passes when it is
 * - public and not deleted (what anyone may see),
 * - rated sfw: crawlers are anonymous visitors, and anonymous visitors never see nsfw
 *   characters in the API either (the adult gate of CharactersService),
 * - given an avatar (a page without an image makes a poor preview and a poor search result),
 * - substantial: a description of at least MIN_DESCRIPTION_LENGTH characters and a non-empty
 *   greeting, so every page that passes has real text of its own and never needs a noindex.
 * Written for the alias `c`; ix_character_list_* (partial on is_public AND deleted_at IS NULL)
 * serve the queries below, the remaining conditions filter the rows they return.
 */
const GATE = `c.is_public AND c.deleted_at IS NULL AND c.avatar_url <> ''
  AND c.content_rating = 'sfw'
  AND char_length(btrim(c.description)) >= ${MIN_DESCRIPTION_LENGTH}
  AND btrim(c.greeting) <> ''`;

/** Campaigns: the free tag 'dnd' or the structured tag 'dnd' (lib/campaign.ts). */
const CAMPAIGN = campaignCondition('c');

/** Columns a public page shows (leaves out prompts, lorebooks and card extensions). */
const PAGE_COLUMNS = [
  'id',
  'slug',
  'ownerId',
  'name',
  'description',
  'personality',
  'scenario',
  'greeting',
  'appearance',
  'tags',
  'structuredTags',
  'avatarUrl',
  'originalLanguage',
  'translations',
  'languages',
  'highlights',
  'definitionHidden',
  'realChatCount',
  'realLikeCount',
  'createdAt',
  'updatedAt',
].map((column) => `c.${column}`);

/**
 * A position in the sitemap order (created_at, id); created_at as PostgreSQL text, so no
 * microsecond is lost to a JS Date.
 */
export interface SitemapCursor {
  createdAt: string;
  id: string;
}

/** Slugs and their lastmod (W3C datetime, UTC) in sitemap order, and the cursor after them. */
export interface SitemapPage {
  slugs: string[];
  lastmods: string[];
  next: SitemapCursor | null;
}

/** Read-only queries for public SEO surfaces; every one applies the quality gate. */
@Injectable()
export class PublicCatalogueRepository {
  constructor(
    @InjectRepository(CharacterEntity) private readonly characters: Repository<CharacterEntity>,
  ) {}

  findBySlug(slug: string): Promise<CharacterEntity | null> {
    return this.gated().andWhere('c.slug = :slug', { slug }).getOne();
  }

  /** Most chatted first, as the catalogue's "popular" sort. */
  popular(
    limit: number,
    filter: { structuredTag?: string; campaign?: boolean } = {},
  ): Promise<CharacterEntity[]> {
    const query = this.gated();
    if (filter.structuredTag) {
      query.andWhere('c.structured_tags @> ARRAY[:tag]::text[]', { tag: filter.structuredTag });
    }
    if (filter.campaign) {
      query.andWhere(CAMPAIGN);
    }
    return query
      .orderBy('c.realChatCount', 'DESC')
      .addOrderBy('c.voteScore', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Characters sharing a structured tag with this one, for internal links. */
  related(id: string, structuredTags: string[], limit: number): Promise<CharacterEntity[]> {
    if (structuredTags.length === 0) return Promise.resolve([]);
    return this.gated()
      .andWhere('c.structured_tags && :tags::text[]', { tags: structuredTags })
      .andWhere('c.id <> :id', { id })
      .orderBy('c.realChatCount', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  newest(limit: number): Promise<CharacterEntity[]> {
    return this.gated()
      .orderBy('c.createdAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Gated characters per structured tag id, and how many are campaigns. */
  async counts(): Promise<{ campaigns: number; byTag: Map<string, number> }> {
    const [[campaigns], tags] = await Promise.all([
      this.characters.query(
        `SELECT count(*)::int AS count FROM character c WHERE ${GATE} AND ${CAMPAIGN}`,
      ) as Promise<Array<{ count: number }>>,
      this.characters.query(
        `SELECT tag, count(*)::int AS count
         FROM character c CROSS JOIN LATERAL unnest(c.structured_tags) AS tag
         WHERE ${GATE} GROUP BY tag`,
      ) as Promise<Array<{ tag: string; count: number }>>,
    ]);
    return {
      campaigns: campaigns.count,
      byTag: new Map(tags.map((row) => [row.tag, row.count])),
    };
  }

  /**
   * A checksum of everything a sitemap is built from (which characters pass the gate, their
   * slugs, dates and tags): equal checksums mean byte-equal sitemaps for the same settings.
   * One aggregate pass, without sending a row to the app.
   */
  async sitemapChecksum(): Promise<{ count: number; checksum: string }> {
    const [row] = (await this.characters.query(
      `SELECT count(*)::int AS count,
              count(*) || ':' || coalesce(sum(hashtextextended(
                c.id || c.slug || c.updated_at::text || array_to_string(c.structured_tags, ',')
                  || array_to_string(c.tags, ','), 0)), 0) AS checksum
       FROM character c WHERE ${GATE}`,
    )) as Array<{ count: number; checksum: string }>;
    return row;
  }

  /** The cursor just before the row at this position of the sitemap order; null before row 0. */
  async sitemapCursorAt(position: number): Promise<SitemapCursor | null> {
    if (position === 0) return null;
    const rows = (await this.characters.query(
      `SELECT c.created_at::text AS "createdAt", c.id
       FROM character c WHERE ${GATE}
       ORDER BY c.created_at, c.id OFFSET $1 LIMIT 1`,
      [position - 1],
    )) as SitemapCursor[];
    return rows[0] ?? null;
  }

  /**
   * One keyset page of the sitemap order, after the cursor: each page costs the same however
   * deep into the catalogue it is (ix_character_list_new, scanned backwards). The page comes
   * back as one row of two arrays plus the cursor, not as a row object per character: the
   * sitemap reads every gated character, and fewer, shorter-lived objects keep the app's heap
   * from swelling while it streams.
   */
  async sitemapPage(after: SitemapCursor | null, limit: number): Promise<SitemapPage> {
    const keyset = after ? `AND (c.created_at, c.id) > ($2::timestamptz, $3::uuid)` : '';
    const [page] = (await this.characters.query(
      `SELECT coalesce(array_agg(p.slug ORDER BY p.created_at, p.id), '{}') AS slugs,
              coalesce(array_agg(to_char(p.updated_at AT TIME ZONE 'UTC',
                'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ORDER BY p.created_at, p.id), '{}') AS lastmods,
              max(p.created_at)::text AS "createdAt",
              (array_agg(p.id ORDER BY p.created_at DESC, p.id DESC))[1] AS id
       FROM (SELECT c.slug, c.updated_at, c.created_at, c.id FROM character c
             WHERE ${GATE} ${keyset} ORDER BY c.created_at, c.id LIMIT $1) AS p`,
      after ? [limit, after.createdAt, after.id] : [limit],
    )) as Array<{
      slugs: string[];
      lastmods: string[];
      createdAt: string | null;
      id: string | null;
    }>;
    return {
      slugs: page.slugs,
      lastmods: page.lastmods,
      next: page.createdAt && page.id ? { createdAt: page.createdAt, id: page.id } : null,
    };
  }

  /** Public, live characters whose owners public statistics count (not the gate: all ratings). */
  async countPublic(excludedOwnerIds: string[]): Promise<number> {
    const [row] = (await this.characters.query(
      `SELECT count(*)::int AS count FROM character c
       WHERE c.is_public AND c.deleted_at IS NULL AND NOT (c.owner_id = ANY($1::uuid[]))`,
      [excludedOwnerIds],
    )) as Array<{ count: number }>;
    return row.count;
  }

  private gated(): SelectQueryBuilder<CharacterEntity> {
    return this.characters.createQueryBuilder('c').select(PAGE_COLUMNS).where(GATE);
  }
}
