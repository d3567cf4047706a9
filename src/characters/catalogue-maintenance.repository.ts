import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LANGUAGES, type Language } from '../common/languages.js';
import type { ContentRating, Highlight, LanguageCounts } from './entities/character.entity.js';
import type { RelationType } from './entities/relation.entity.js';

export interface AudienceRow {
  id: string;
  tags: string[];
  structuredTags: string[];
  contentRating: ContentRating;
}

export interface CounterIncrement {
  id: string;
  chat: LanguageCounts;
  like: LanguageCounts;
}

export interface CharacterSummary {
  id: string;
  name: string;
  description: string;
  tags: string[];
  originalLanguage: Language;
}

export interface RelationCandidate {
  a: CharacterSummary;
  b: CharacterSummary;
  sharedTags: string[];
  /** How many relations each had when the candidates were read. */
  relationCounts: { a: number; b: number };
}

/** Label of a relation in each language, as shown on one side's page. */
export type RelationLabels = Record<Language, string>;

const LIVE_PUBLIC = `is_public AND deleted_at IS NULL`;

/** Characters a relationships run looks for partners for. */
const RELATION_POOL = 100;
/** Tags of a character whose pairs are looked up: 8 tags make 28 lookups. */
const RELATION_TAGS_PROBED = 8;
/** Characters read per tag-pair lookup. */
const RELATION_HITS_PER_LOOKUP = 20;
/** Best partners kept per character of the pool. */
const RELATION_PARTNERS_PER_CHARACTER = 3;

const summary = (row: Record<string, unknown>, prefix = ''): CharacterSummary => ({
  id: row[`${prefix}id`] as string,
  name: row[`${prefix}name`] as string,
  description: row[`${prefix}description`] as string,
  tags: row[`${prefix}tags`] as string[],
  originalLanguage: row[`${prefix}original_language`] as Language,
});

/**
 * Catalogue-wide writes of the daily jobs: counters, highlights, relations, the references
 * the avatar cleanup needs. Each write is one atomic statement (or one short transaction),
 * never a read-modify-write of whole rows, and none touches updated_at (the counters are
 * no edit of the character).
 */
@Injectable()
export class CatalogueMaintenanceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Live public characters after `afterId` in id order (keyset pagination). */
  async publicAudienceBatch(
    day: string,
    afterId: string | null,
    limit: number,
  ): Promise<AudienceRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, tags, structured_tags, content_rating FROM character
       WHERE ${LIVE_PUBLIC} AND ($1::uuid IS NULL OR id > $1)
         AND (counters_grown_on IS NULL OR counters_grown_on < $3::date)
       ORDER BY id LIMIT $2`,
      [afterId, limit, day],
    )) as Array<{ id: string; tags: string[]; structured_tags: string[]; content_rating: string }>;
    return rows.map((row) => ({
      id: row.id,
      tags: row.tags,
      structuredTags: row.structured_tags,
      contentRating: row.content_rating as ContentRating,
    }));
  }

  /**
   * Adds per-language increments to base_chat_count/base_like_count with jsonb arithmetic,
   * marking the characters grown on `day` (UTC, YYYY-MM-DD); one grown that day already is
   * left alone.
   */
  async addBaseCounts(day: string, increments: CounterIncrement[]): Promise<number> {
    if (increments.length === 0) return 0;
    const merge = (column: string, source: string) =>
      `${column} = c.${column} || (
         SELECT COALESCE(jsonb_object_agg(g.key,
                  COALESCE((c.${column} ->> g.key)::numeric, 0) + g.value::numeric), '{}'::jsonb)
         FROM jsonb_each_text(d.${source}) AS g)`;
    const [, affected] = (await this.dataSource.query(
      `WITH locked AS (  -- in id order, as decayTrendingBatch locks them
         SELECT id FROM character WHERE id = ANY($2::uuid[]) ORDER BY id FOR NO KEY UPDATE)
       UPDATE character c
       SET ${merge('base_chat_count', 'chat')}, ${merge('base_like_count', 'likes')},
           counters_grown_on = $3::date
       FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, chat jsonb, likes jsonb)
       JOIN locked l ON l.id = d.id
       WHERE c.id = d.id AND c.is_public AND c.deleted_at IS NULL
         AND (c.counters_grown_on IS NULL OR c.counters_grown_on < $3::date)`,
      [
        JSON.stringify(increments.map(({ id, chat, like }) => ({ id, chat, likes: like }))),
        increments.map(({ id }) => id),
        day,
      ],
    )) as [unknown, number];
    return affected;
  }

  /**
   * Multiplies the trending score of up to `limit` characters not yet decayed on `day` (UTC,
   * YYYY-MM-DD) by `factor`, marking them done for that day; scores that fall under 0.01
   * become 0 and are left alone from then on. Returns how many rows it changed: a run repeats
   * it until 0, and a second run the same day finds nothing to do.
   */
  async decayTrendingBatch(day: string, factor: number, limit: number): Promise<number> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE character c
       SET trending_score = CASE WHEN c.trending_score * $2 < 0.01 THEN 0 ELSE c.trending_score * $2 END,
           trending_decayed_on = $1::date
       -- Locked in id order, as the other statements changing many characters lock them, so
       -- two of them running at once wait for each other instead of deadlocking.
       FROM (SELECT id FROM character
             WHERE trending_score > 0 AND (trending_decayed_on IS NULL OR trending_decayed_on < $1::date)
             ORDER BY id LIMIT $3 FOR NO KEY UPDATE) d
       -- Checked again on the row itself: a row changed meanwhile is judged as it is now.
       WHERE c.id = d.id AND c.trending_score > 0
         AND (c.trending_decayed_on IS NULL OR c.trending_decayed_on < $1::date)`,
      [day, factor, limit],
    )) as [unknown, number];
    return affected;
  }

  /**
   * Live public characters without highlights, most chatted first; those tried in vain come
   * after the others, longest ago first, so a few that always fail cannot hold the queue.
   */
  async withoutHighlights(limit: number): Promise<CharacterSummary[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, name, description, tags, original_language FROM character
       WHERE ${LIVE_PUBLIC} AND highlights = '[]'::jsonb
       ORDER BY highlights_tried_on NULLS FIRST, real_chat_count DESC, created_at DESC, id
       LIMIT $1`,
      [limit],
    )) as Array<Record<string, unknown>>;
    return rows.map((row) => summary(row));
  }

  /** Records that no valid highlights came for these characters on `day` (UTC). */
  async markHighlightsTried(ids: string[], day: string): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE character SET highlights_tried_on = $2::date WHERE id = ANY($1::uuid[])`,
      [ids, day],
    );
  }

  /** Sets highlights unless some were written meanwhile (another writer wins). */
  async setHighlightsIfEmpty(id: string, highlights: Highlight[]): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE character SET highlights = $2::jsonb WHERE id = $1 AND highlights = '[]'::jsonb`,
      [id, JSON.stringify(highlights)],
    )) as [unknown, number];
    return affected === 1;
  }

  /**
   * Pairs of live public characters sharing at least `minShared` tags (free and structured
   * tags together, case-insensitively), not yet related, each with fewer than
   * `maxPerCharacter` relations; most shared tags first, ties in random order.
   *
   * The pairing work is bounded whatever the catalogue's size (choosing the batch reads every
   * live public character once, a linear pass): a random batch of the characters with
   * the fewest relations (RELATION_POOL), and for each, partners found through the tag-set
   * GIN index, one lookup per pair of its tags (`@> ARRAY[t1, t2]` means two tags shared),
   * each lookup stopping after RELATION_HITS_PER_LOOKUP characters.
   */
  async relationCandidates(
    minShared: number,
    maxPerCharacter: number,
    limit: number,
  ): Promise<RelationCandidate[]> {
    const rows = (await this.dataSource.query(
      `WITH pool AS MATERIALIZED (
         SELECT p.id, p.relations, character_tag_set(p.tags, p.structured_tags) AS all_tags
         FROM (SELECT c.id, c.tags, c.structured_tags, COALESCE(k.n, 0) AS relations
               FROM character c
               LEFT JOIN (SELECT character_id, count(*)::int AS n FROM character_relation
                          GROUP BY character_id) k ON k.character_id = c.id
               WHERE c.is_public AND c.deleted_at IS NULL AND COALESCE(k.n, 0) < $2
                 AND cardinality(c.tags) + cardinality(c.structured_tags) >= $1
               ORDER BY COALESCE(k.n, 0), random()
               LIMIT $4) p),
       picked AS (
         SELECT a.id AS a_id, a.relations AS a_relations, a.all_tags, m.b_id, m.b_relations
         FROM pool a
         CROSS JOIN LATERAL (
           SELECT hit.id AS b_id, rb.n AS b_relations
           -- OFFSET 0 keeps t1 < t2 inside, so each pair is looked up once.
           FROM (SELECT t1, t2 FROM unnest(a.all_tags[1:$5]) AS t1, unnest(a.all_tags[1:$5]) AS t2
                 WHERE t1 < t2 OFFSET 0) pair
           CROSS JOIN LATERAL (
             -- Materialized, so the index scan is planned for all matches (a LIMIT right on
             -- it tempts the planner into a sequential scan) yet read only as far as needed.
             WITH found AS MATERIALIZED (
               SELECT b.id FROM character b
               WHERE character_tag_set(b.tags, b.structured_tags) @> ARRAY[pair.t1, pair.t2]
                 AND b.is_public AND b.deleted_at IS NULL AND b.id <> a.id)
             SELECT id FROM found LIMIT $6) hit
           CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM character_relation r
                               WHERE r.character_id = hit.id) rb
           WHERE rb.n < $2
             AND NOT EXISTS (SELECT 1 FROM character_relation r
                             WHERE r.character_id = a.id AND r.related_id = hit.id)
           GROUP BY hit.id, rb.n
           -- More tag pairs in common first: a proxy of more shared tags.
           ORDER BY count(*) DESC, random()
           LIMIT $7) m),
       pairs AS (
         SELECT DISTINCT ON (LEAST(p.a_id, p.b_id), GREATEST(p.a_id, p.b_id)) p.*, s.shared
         FROM picked p
         JOIN character b ON b.id = p.b_id
         CROSS JOIN LATERAL (
           SELECT ARRAY(SELECT unnest(p.all_tags)
                        INTERSECT SELECT unnest(character_tag_set(b.tags, b.structured_tags))
                        ORDER BY 1) AS shared) s
         WHERE cardinality(s.shared) >= $1
         ORDER BY LEAST(p.a_id, p.b_id), GREATEST(p.a_id, p.b_id))
       SELECT a.id AS a_id, a.name AS a_name, a.description AS a_description, a.tags AS a_tags,
              a.original_language AS a_original_language,
              b.id AS b_id, b.name AS b_name, b.description AS b_description, b.tags AS b_tags,
              b.original_language AS b_original_language, p.shared,
              p.a_relations, p.b_relations
       FROM pairs p
       JOIN character a ON a.id = p.a_id
       JOIN character b ON b.id = p.b_id
       ORDER BY cardinality(p.shared) DESC, random()
       LIMIT $3`,
      [
        minShared,
        maxPerCharacter,
        limit,
        RELATION_POOL,
        RELATION_TAGS_PROBED,
        RELATION_HITS_PER_LOOKUP,
        RELATION_PARTNERS_PER_CHARACTER,
      ],
    )) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      a: summary(row, 'a_'),
      b: summary(row, 'b_'),
      sharedTags: row.shared as string[],
      relationCounts: { a: row.a_relations as number, b: row.b_relations as number },
    }));
  }

  /**
   * Relates a and b in both directions (two rows), only if neither has `maxPerCharacter`
   * relations yet and they are not related already. Both character rows are locked first
   * (in id order, so two runs cannot deadlock), which makes the cap hold under concurrency.
   */
  async relate(
    aId: string,
    bId: string,
    type: RelationType,
    labels: { a: RelationLabels; b: RelationLabels },
    maxPerCharacter: number,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      // NO KEY UPDATE: enough to serialize two relate runs, and no wait for a statement
      // merely referencing the characters (its foreign key check only shares the key).
      await manager.query(
        `SELECT 1 FROM character WHERE id IN ($1, $2) ORDER BY id FOR NO KEY UPDATE`,
        [aId, bId],
      );
      const rows = (await manager.query(
        `INSERT INTO character_relation
           (character_id, related_id, relation_type,
            label_ru, label_en, label_es, label_fr, label_de, label_pt, label_it)
         SELECT v.character_id, v.related_id, $3, v.ru, v.en, v.es, v.fr, v.de, v.pt, v.it
         FROM jsonb_to_recordset($4::jsonb) AS v(character_id uuid, related_id uuid,
              ru text, en text, es text, fr text, de text, pt text, it text)
         WHERE (SELECT count(*) FROM character_relation WHERE character_id = $1) < $5
           AND (SELECT count(*) FROM character_relation WHERE character_id = $2) < $5
           AND NOT EXISTS (SELECT 1 FROM character_relation
                           WHERE (character_id = $1 AND related_id = $2)
                              OR (character_id = $2 AND related_id = $1))
         RETURNING id`,
        [
          aId,
          bId,
          type,
          JSON.stringify([
            { character_id: aId, related_id: bId, ...labelColumns(labels.a) },
            { character_id: bId, related_id: aId, ...labelColumns(labels.b) },
          ]),
          maxPerCharacter,
        ],
      )) as unknown[];
      return rows.length === 2;
    });
  }

  /** The newest live public characters: what a new one must not repeat. */
  async recent(limit: number): Promise<CharacterSummary[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, name, description, tags, original_language FROM character
       WHERE ${LIVE_PUBLIC} ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    )) as Array<Record<string, unknown>>;
    return rows.map((row) => summary(row));
  }

  async publicNameExists(name: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM character WHERE ${LIVE_PUBLIC} AND lower(name) = lower($1)) AS taken`,
      [name],
    )) as Array<{ taken: boolean }>;
    return row.taken;
  }

  async publish(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE character SET is_public = true
       WHERE id = $1 AND avatar_url IS NOT NULL AND taken_down_at IS NULL`,
      [id],
    );
  }

  /** Which of these avatar URLs a character (soft-deleted ones included) still uses. */
  async referencedAvatarUrls(urls: string[]): Promise<Set<string>> {
    if (urls.length === 0) return new Set();
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT avatar_url FROM character WHERE avatar_url = ANY($1::text[])`,
      [urls],
    )) as Array<{ avatar_url: string }>;
    return new Set(rows.map((row) => row.avatar_url));
  }
}

const labelColumns = (labels: RelationLabels): Record<string, string> =>
  Object.fromEntries(LANGUAGES.map((lang) => [lang, labels[lang]]));
