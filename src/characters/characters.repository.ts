import { EntityReader } from '../database/entity-reader.js';
import { lockForTransaction } from '../database/transaction-lock.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import {
  type DataSource,
  type EntityManager,
  type QueryDeepPartialEntity,
  In,
  type Repository,
  type SelectQueryBuilder,
} from 'typeorm';
import type { Language } from '../common/languages.js';
import type { CatalogueSort } from './dto/character-query.dto.js';
import {
  CharacterEntity,
  type CharacterTranslation,
  type ContentRating,
  TRANSLATED_FIELDS,
  type TranslatedField,
} from './entities/character.entity.js';
import { FavoriteEntity } from './entities/favorite.entity.js';
import { CharacterRelationEntity } from './entities/relation.entity.js';
import { ReportEntity, type ReportReason } from './entities/report.entity.js';
import { VoteEntity } from './entities/vote.entity.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import { CAMPAIGN_TAG, campaignCondition } from './lib/campaign.js';
import { rowsToRead } from '../common/pagination.js';

export interface CatalogueFilter {
  search?: string;
  tag?: string;
  structuredTag?: string;
  /** Ratings the viewer may see and asked for. */
  ratings: ContentRating[];
  language?: Language;
  /** Only this owner's characters, private ones included; otherwise public ones only. */
  ownerId?: string;
  sort: CatalogueSort;
  offset: number;
  limit: number;
}

/** Each sort maps onto one of the partial indexes of the Characters migration. */
const ORDER: Record<Exclude<CatalogueSort, 'relevance'>, Array<[string, 'DESC']>> = {
  popular: [
    ['c.realChatCount', 'DESC'],
    ['c.voteScore', 'DESC'],
  ],
  new: [['c.createdAt', 'DESC']],
  top: [['c.voteScore', 'DESC']],
  trending: [['c.trendingScore', 'DESC']],
};

/** How many of the most popular matches a relevance-sorted search ranks. */
const RELEVANCE_POOL = 200;

/**
 * Votes, favorites, forks and chats nudge "trending"; the daily counter task decays it. A
 * user's vote, favorite or fork counts once per character (trending_credit), so toggling
 * cannot pump it.
 */
export const TRENDING_BUMP = { vote: 1, favorite: 2, fork: 3, chat: 1 } as const;

type CreditKind = 'vote' | 'favorite' | 'fork';

/** Who opened a chat: an account, or a guest session. */
export type ChatStarter = { userId: string } | { anonSession: string };

/** The translated text; a translation is only saved while the row still has this text. */
export type TranslationSource = Pick<CharacterEntity, 'id' | 'originalLanguage' | TranslatedField>;

@Injectable()
export class CharactersRepository {
  constructor(
    @InjectRepository(CharacterEntity) private readonly characters: Repository<CharacterEntity>,
    @InjectRepository(ReportEntity) private readonly reports: Repository<ReportEntity>,
    @InjectRepository(CharacterRelationEntity)
    private readonly relations: Repository<CharacterRelationEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.reader = new EntityReader(dataSource, CharacterEntity);
  }

  /** By id or slug on every character page and chat reply. */
  private readonly reader: EntityReader<CharacterEntity>;

  /** One catalogue page plus one row, so the caller knows whether more follow. */
  list(filter: CatalogueFilter): Promise<CharacterEntity[]> {
    const sort = filter.sort === 'relevance' && !filter.search ? 'popular' : filter.sort;
    let query: SelectQueryBuilder<CharacterEntity>;
    if (sort === 'relevance') {
      // Ranking every match by similarity would cost more the bigger the catalogue; ranking
      // the most popular RELEVANCE_POOL matches keeps a page's cost flat at any size.
      const pool = this.filtered(filter)
        .select('c.id')
        .orderBy('c.realChatCount', 'DESC')
        .addOrderBy('c.voteScore', 'DESC')
        .addOrderBy('c.id', 'DESC')
        .limit(RELEVANCE_POOL);
      query = this.characters
        .createQueryBuilder('c')
        .where(`c.id IN (${pool.getQuery()})`)
        .setParameters(pool.getParameters())
        .orderBy('word_similarity(:term, c.search_text)', 'DESC');
    } else {
      query = this.filtered(filter);
      for (const [column, direction] of ORDER[sort]) query.addOrderBy(column, direction);
    }
    // The id tie-break keeps pages stable when sort keys are equal.
    return query
      .addOrderBy('c.id', 'DESC')
      .offset(filter.offset)
      .limit(rowsToRead(filter.limit))
      .getMany();
  }

  /**
   * The catalogue's WHERE clause. Search is typo-tolerant: pg_trgm's word similarity finds
   * "captian" in "captain mira" (trigram index on search_text); a substring match catches
   * queries too short for trigrams.
   */
  private filtered(filter: CatalogueFilter): SelectQueryBuilder<CharacterEntity> {
    const query = this.characters.createQueryBuilder('c');
    if (filter.ownerId) query.where('c.owner_id = :ownerId', { ownerId: filter.ownerId });
    else query.where('c.is_public');
    query.andWhere('c.content_rating IN (:...ratings)', { ratings: filter.ratings });
    // 'dnd' either way means the campaigns: the free tag and the structured one are the same.
    if (filter.tag === CAMPAIGN_TAG || filter.structuredTag === CAMPAIGN_TAG) {
      query.andWhere(campaignCondition('c'));
    }
    if (filter.tag && filter.tag !== CAMPAIGN_TAG) {
      query.andWhere('c.tags @> ARRAY[:tag]::text[]', { tag: filter.tag });
    }
    if (filter.structuredTag && filter.structuredTag !== CAMPAIGN_TAG) {
      query.andWhere('c.structured_tags @> ARRAY[:structuredTag]::text[]', {
        structuredTag: filter.structuredTag,
      });
    }
    if (filter.language) {
      query.andWhere('c.languages @> ARRAY[:language]::text[]', { language: filter.language });
    }
    if (filter.search) {
      const term = filter.search.toLowerCase();
      query.andWhere(`(:term <% c.search_text OR c.search_text LIKE :substring)`, {
        term,
        substring: `%${term.replace(/[\\%_]/g, '\\$&')}%`,
      });
    }
    return query;
  }

  findById(id: string): Promise<CharacterEntity | null> {
    return this.reader.findOneBy('id', id);
  }

  findBySlug(slug: string): Promise<CharacterEntity | null> {
    return this.reader.findOneBy('slug', slug);
  }

  findByIds(ids: string[]): Promise<CharacterEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.characters.findBy({ id: In(ids) });
  }

  /** Soft-deleted ones included: their chats stay readable. */
  findByIdsWithDeleted(ids: string[]): Promise<CharacterEntity[]> {
    return ids.length === 0
      ? Promise.resolve([])
      : this.characters.find({ where: { id: In(ids) }, withDeleted: true });
  }

  /**
   * Counts a new chat once per person: a signed-in user's first chat with the character counts
   * and moves trending, a guest session's first only counts (sessions cost nothing to mint);
   * later chats find the credit and count nothing. The "popular" order then ranks by how many
   * people chat with a character, which one account opening chats in a loop cannot move.
   */
  async recordChatStarted(id: string, starter: ChatStarter): Promise<void> {
    const userId = 'userId' in starter ? starter.userId : null;
    const anonSession = 'anonSession' in starter ? starter.anonSession : null;
    await this.dataSource.query(
      `WITH credited AS (
         INSERT INTO trending_credit (user_id, character_id, kind)
         SELECT $3::uuid, $1, 'chat' WHERE $3::uuid IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING 1),
       guest AS (
         INSERT INTO guest_chat_credit (anon_session_id, character_id)
         SELECT $4::uuid, $1 WHERE $4::uuid IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING 1)
       UPDATE character SET real_chat_count = real_chat_count + 1,
              trending_score = trending_score + CASE WHEN EXISTS (SELECT 1 FROM credited)
                                                     THEN $2 ELSE 0 END
       WHERE id = $1 AND (EXISTS (SELECT 1 FROM credited) OR EXISTS (SELECT 1 FROM guest))`,
      [id, TRENDING_BUMP.chat, userId, anonSession],
    );
  }

  /**
   * Popularity credits of guest sessions (guest_chat_credit, written by
   * recordChatStarted) older than `days` whose chats
   * with the character are gone: the session has left, and its credit with it.
   */
  async deleteStaleGuestChatCredits(days: number, batch: number): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM guest_chat_credit WHERE (anon_session_id, character_id) IN (
         SELECT g.anon_session_id, g.character_id FROM guest_chat_credit g
         WHERE g.created_at < now() - make_interval(days => $1)
           AND NOT EXISTS (SELECT 1 FROM chat c WHERE c.anon_session_id = g.anon_session_id
                                                  AND c.character_id = g.character_id)
         LIMIT $2)`,
      [days],
      batch,
    );
  }

  async slugExists(slug: string): Promise<boolean> {
    // withDeleted: a soft-deleted character still holds its slug (unique index).
    return this.characters.exists({ where: { slug }, withDeleted: true });
  }

  /**
   * Inserts a character unless its owner already keeps `limit` (null: no limit): null then.
   * The count and the insert are one step under the owner's lock (hasRoom).
   */
  insertWithinLimit(
    character: Partial<CharacterEntity> & { ownerId: string },
    limit: number | null,
  ): Promise<CharacterEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.hasRoom(manager, character.ownerId, limit))) return null;
      return manager.save(manager.create(CharacterEntity, character));
    });
  }

  async update(id: string, changes: Partial<CharacterEntity>): Promise<CharacterEntity> {
    await this.characters.update({ id }, changes as QueryDeepPartialEntity<CharacterEntity>);
    return (await this.findById(id))!;
  }

  /**
   * Applies `changes` with the row locked, plus what `derive` computes from the row as it is
   * then (the search text, built from name, description and tags): from an earlier read, two
   * edits of different fields at once would leave it matching neither.
   */
  async updateDeriving(
    id: string,
    changes: Partial<CharacterEntity>,
    derive: (row: CharacterEntity) => Partial<CharacterEntity>,
  ): Promise<CharacterEntity> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM character WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      const current = await manager.findOne(CharacterEntity, { where: { id }, withDeleted: true });
      if (!current) return;
      await manager.update(CharacterEntity, { id }, {
        ...changes,
        ...derive({ ...current, ...changes }),
      } as QueryDeepPartialEntity<CharacterEntity>);
    });
    return (await this.findById(id))!;
  }

  /**
   * Adds (or replaces a stale) translation, unless the translated text (or the original
   * language) changed since it was read: that edit marked the translations stale again and
   * queued a fresh job. Edits of anything else (avatar, publishing, tags) do not stop it.
   */
  async saveTranslation(
    source: TranslationSource,
    lang: Language,
    translation: CharacterTranslation,
  ): Promise<boolean> {
    const textUnchanged = this.translatedTextEquals(5);
    const [, affected] = (await this.dataSource.query(
      `UPDATE character
       SET translations = translations || jsonb_build_object($2::text, $3::jsonb),
           languages = CASE WHEN $2 = ANY(languages) THEN languages ELSE array_append(languages, $2) END,
           stale_languages = array_remove(stale_languages, $2)
       WHERE id = $1 AND original_language = $4 AND ${textUnchanged}`,
      [
        source.id,
        lang,
        JSON.stringify(translation),
        source.originalLanguage,
        ...TRANSLATED_FIELDS.map((field) => source[field]),
      ],
    )) as [unknown, number];
    return affected === 1;
  }

  /** Whether any character, soft-deleted ones included, uses this avatar URL (forks share it). */
  async avatarInUse(url: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM character WHERE avatar_url = $1) AS used`,
      [url],
    )) as Array<{ used: boolean }>;
    return row.used;
  }

  /**
   * One of the owner's taken-down characters (deleted ones too) whose translated text equals
   * `fields` word for word (absent fields count as empty), or null.
   */
  async takenDownCopyOf(
    ownerId: string,
    fields: Partial<Pick<CharacterEntity, TranslatedField>>,
  ): Promise<Pick<CharacterEntity, 'name' | 'takedownReason'> | null> {
    const sameText = this.translatedTextEquals(2);
    const [row] = (await this.dataSource.query(
      `SELECT name, takedown_reason FROM character
       WHERE owner_id = $1 AND taken_down_at IS NOT NULL AND ${sameText} LIMIT 1`,
      [ownerId, ...TRANSLATED_FIELDS.map((field) => fields[field] ?? '')],
    )) as Array<{ name: string; takedown_reason: string | null }>;
    return row ? { name: row.name, takedownReason: row.takedown_reason } : null;
  }

  /**
   * "Every translated column equals its parameter", the parameters numbered from `first` in
   * TRANSLATED_FIELDS order (column names from the entity, so a renamed field follows).
   */
  private translatedTextEquals(first: number): string {
    const columns = this.dataSource.getMetadata(CharacterEntity);
    return TRANSLATED_FIELDS.map(
      (field, i) => `${columns.findColumnWithPropertyName(field)!.databaseName} = $${first + i}`,
    ).join(' AND ');
  }

  /**
   * Lifts a takedown (and publishes, if asked and possible: not while moderation holds or
   * rejected it); false if none was in place.
   */
  async reinstate(id: string, publish: boolean): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE character SET taken_down_at = NULL, takedown_reason = NULL,
              is_public = $2 AND avatar_url IS NOT NULL AND moderation_status = 'clear'
       WHERE id = $1 AND taken_down_at IS NOT NULL AND deleted_at IS NULL`,
      [id, publish],
    )) as [unknown, number];
    return affected === 1;
  }

  async softDelete(id: string): Promise<void> {
    await this.characters.softDelete({ id });
  }

  /**
   * Sets (1/-1) or clears (0) a user's vote. The character row is locked first, so concurrent
   * votes on one character apply one after another and vote_score stays the sum of the votes.
   */
  /** The score before and after the vote. */
  async vote(
    userId: string,
    characterId: string,
    value: -1 | 0 | 1,
  ): Promise<{ before: number; after: number }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM character WHERE id = $1 FOR UPDATE`, [characterId]);
      const previous = (await manager.findOneBy(VoteEntity, { userId, characterId }))?.value ?? 0;
      if (value === 0) await manager.delete(VoteEntity, { userId, characterId });
      else
        await manager.upsert(VoteEntity, { userId, characterId, value }, ['userId', 'characterId']);
      // Only a first upvote counts toward trending.
      const credited = value === 1 && (await this.credit(manager, userId, characterId, 'vote'));
      const [[row]] = (await manager.query(
        `UPDATE character SET vote_score = vote_score + $2,
                trending_score = trending_score + $3
         WHERE id = $1 RETURNING vote_score`,
        [characterId, value - previous, credited ? TRENDING_BUMP.vote : 0],
      )) as [[{ vote_score: number }], number];
      return { before: row.vote_score - (value - previous), after: row.vote_score };
    });
  }

  myVote(userId: string, characterId: string): Promise<number> {
    return this.dataSource.manager
      .findOneBy(VoteEntity, { userId, characterId })
      .then((vote) => vote?.value ?? 0);
  }

  /**
   * Adds or removes a favorite; real_like_count moves only when the row really changed.
   * Returns whether it did, and whether it was this user's first favorite of the character
   * ever (trending_credit): a favorite removed and added again is not a new one.
   */
  async setFavorite(
    userId: string,
    characterId: string,
    favorite: boolean,
  ): Promise<{ changed: boolean; first: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const changed = favorite
        ? await manager.query(
            `INSERT INTO favorite (user_id, character_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
            [userId, characterId],
          )
        : (
            (await manager.query(
              `DELETE FROM favorite WHERE user_id = $1 AND character_id = $2 RETURNING 1`,
              [userId, characterId],
            )) as [unknown[], number]
          )[0];
      if ((changed as unknown[]).length === 0) return { changed: false, first: false };
      const credited = favorite && (await this.credit(manager, userId, characterId, 'favorite'));
      await manager.query(
        `UPDATE character SET real_like_count = real_like_count + $2,
                trending_score = trending_score + $3 WHERE id = $1`,
        [characterId, favorite ? 1 : -1, credited ? TRENDING_BUMP.favorite : 0],
      );
      return { changed: true, first: credited };
    });
  }

  isFavorite(userId: string, characterId: string): Promise<boolean> {
    return this.dataSource.manager.exists(FavoriteEntity, { where: { userId, characterId } });
  }

  /**
   * The user's favorites, newest first, that they may still see, by the rule of
   * CharactersService.findVisible: public or their own, and NSFW only for adults or the owner
   * (a favorite turned NSFW later disappears for a minor). Admins see everything.
   */
  listFavorites(
    viewer: { id: string; adult: boolean; admin: boolean },
    offset: number,
    limit: number,
  ): Promise<CharacterEntity[]> {
    const userId = viewer.id;
    const query = this.characters
      .createQueryBuilder('c')
      .innerJoin(FavoriteEntity, 'f', 'f.character_id = c.id AND f.user_id = :userId', { userId });
    if (!viewer.admin) {
      query.where('(c.is_public OR c.owner_id = :userId)', { userId });
      if (!viewer.adult) query.andWhere(`(c.content_rating = 'sfw' OR c.owner_id = :userId)`);
    }
    return query
      .orderBy('f.createdAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .offset(offset)
      .limit(rowsToRead(limit))
      .getMany();
  }

  /**
   * Inserts the copy and counts the fork on the original in one transaction; trending only
   * moves for the user's first fork of it. Null when the user already keeps `limit`
   * characters (as insertWithinLimit).
   */
  fork(
    copy: Partial<CharacterEntity> & { ownerId: string },
    sourceId: string,
    limit: number | null,
  ): Promise<CharacterEntity | null> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      if (!(await this.hasRoom(manager, copy.ownerId, limit))) return null;
      // The avatar is copied from the original as it is now, under the lock its replacement
      // takes: replaced before, the copy shows the new file; after, the replacement sees the
      // copy and keeps the file it shares.
      const [current] = (await manager.query(
        `SELECT avatar_url FROM character WHERE id = $1 FOR NO KEY UPDATE`,
        [sourceId],
      )) as Array<{ avatar_url: string | null }>;
      const saved = await manager.save(
        manager.create(CharacterEntity, { ...copy, avatarUrl: current?.avatar_url ?? null }),
      );
      const credited = await this.credit(manager, copy.ownerId, sourceId, 'fork');
      await manager.query(
        `UPDATE character SET fork_count = fork_count + 1, trending_score = trending_score + $2 WHERE id = $1`,
        [sourceId, credited ? TRENDING_BUMP.fork : 0],
      );
      return saved;
    });
  }

  /**
   * Whether the owner keeps fewer than `limit` live characters, taking their lock for the
   * rest of the transaction: parallel creates of one owner count one after the other.
   */
  private async hasRoom(
    manager: EntityManager,
    ownerId: string,
    limit: number | null,
  ): Promise<boolean> {
    if (limit === null) return true;
    await lockForTransaction(manager, `characters:${ownerId}`);
    const [{ kept }] = (await manager.query(
      `SELECT count(*)::int AS kept FROM character WHERE owner_id = $1 AND deleted_at IS NULL`,
      [ownerId],
    )) as Array<{ kept: number }>;
    return kept < limit;
  }

  /** Records the user's engagement; true only the first time (insert-or-nothing is atomic). */
  private async credit(
    manager: EntityManager,
    userId: string,
    characterId: string,
    kind: CreditKind,
  ): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO trending_credit (user_id, character_id, kind) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [userId, characterId, kind],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Relations whose other side is a live public character. */
  async relationsOf(
    characterId: string,
  ): Promise<Array<{ relation: CharacterRelationEntity; related: CharacterEntity }>> {
    const relations = await this.relations.findBy({ characterId });
    const related = new Map(
      (await this.findByIds(relations.map((relation) => relation.relatedId)))
        .filter((character) => character.isPublic)
        .map((character) => [character.id, character]),
    );
    return relations.flatMap((relation) => {
      const other = related.get(relation.relatedId);
      return other ? [{ relation, related: other }] : [];
    });
  }

  async insertReport(report: {
    reporterId: string;
    characterId: string;
    reason: ReportReason;
    details: string;
  }): Promise<ReportEntity> {
    return this.reports.save(this.reports.create(report));
  }
}
