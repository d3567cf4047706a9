import { Injectable } from '@nestjs/common';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthUser } from '../common/auth/auth-user.js';
import {
  ABANDONED_REWRITE,
  AVATAR_FILE_NAME,
  AVATAR_URL_PREFIX,
  AvatarStorage,
} from './avatar-storage.js';
import {
  CatalogueMaintenanceRepository,
  type CharacterSummary,
  type RelationCandidate,
  type RelationLabels,
} from './catalogue-maintenance.repository.js';
import { CharactersRepository } from './characters.repository.js';
import { CharactersService, parseTags } from './characters.service.js';
import type { CreateCharacterDto } from './dto/character-input.dto.js';
import { CHARACTER_LIMITS } from './dto/character-limits.js';
import type { CharacterResponseDto } from './dto/character-response.dto.js';
import type { CharacterEntity, Highlight } from './entities/character.entity.js';
import type { RelationType } from './entities/relation.entity.js';
import { dailyGrowth } from './lib/language-preferences.js';
import { parseStructuredTags } from './lib/structured-tags.js';

export type { CharacterSummary, RelationCandidate, RelationLabels };

const COUNTER_BATCH = 500;
const DECAY_BATCH = 5000;
/** Daily factor of the trending score: engagement loses half its weight in about three days. */
export const TRENDING_DECAY = 0.8;
const REFERENCE_CHECK_BATCH = 500;

/**
 * What the autonomous jobs may do to the catalogue (the autonomous module never touches the
 * character tables itself): grow counters, write highlights and relations, publish generated
 * characters, and find avatar files no character uses.
 */
@Injectable()
export class CatalogueMaintenanceService {
  constructor(
    private readonly repository: CatalogueMaintenanceRepository,
    private readonly characters: CharactersService,
    private readonly avatars: AvatarStorage,
    private readonly characterRows: CharactersRepository,
  ) {}

  /**
   * Deletes guest sessions' popularity credits older than `days` whose chats with the
   * character are gone (the guest chat cleanup deletes those chats first), `batch` a statement.
   */
  deleteStaleGuestChatCredits(days: number, batch: number): Promise<number> {
    return this.characterRows.deleteStaleGuestChatCredits(days, batch);
  }

  /**
   * Adds a day's growth to the base counters of every live public character, scaled by each
   * language's preferences, one batch per statement. Once per UTC day: a re-run (or a retry
   * after a crash halfway) only grows the characters not grown yet. Returns how many grew.
   */
  async growCounters(random: () => number = Math.random, now = new Date()): Promise<number> {
    const day = now.toISOString().slice(0, 10);
    let grown = 0;
    let after: string | null = null;
    for (;;) {
      const batch = await this.repository.publicAudienceBatch(day, after, COUNTER_BATCH);
      if (batch.length === 0) return grown;
      grown += await this.repository.addBaseCounts(
        day,
        batch.map((row) => {
          const growth = dailyGrowth(row, random);
          return { id: row.id, chat: growth.chat, like: growth.like };
        }),
      );
      after = batch[batch.length - 1].id;
    }
  }

  /**
   * Decays every trending score once per UTC day, so "trending" reflects recent engagement.
   * Idempotent within a day: a re-run (or a retry after a crash halfway) only does the rows
   * not done yet. Returns how many scores were lowered.
   */
  async decayTrending(now = new Date()): Promise<number> {
    const day = now.toISOString().slice(0, 10);
    let decayed = 0;
    for (;;) {
      const batch = await this.repository.decayTrendingBatch(day, TRENDING_DECAY, DECAY_BATCH);
      decayed += batch;
      if (batch === 0) return decayed;
    }
  }

  withoutHighlights(limit: number): Promise<CharacterSummary[]> {
    return this.repository.withoutHighlights(limit);
  }

  /** These characters got no valid highlights today: they wait behind the others. */
  markHighlightsTried(characterIds: string[], now = new Date()): Promise<void> {
    return this.repository.markHighlightsTried(characterIds, now.toISOString().slice(0, 10));
  }

  /** False when the character got highlights meanwhile (they are kept). */
  setHighlights(characterId: string, highlights: Highlight[]): Promise<boolean> {
    return this.repository.setHighlightsIfEmpty(characterId, highlights);
  }

  relationCandidates(options: {
    minSharedTags: number;
    maxPerCharacter: number;
    limit: number;
  }): Promise<RelationCandidate[]> {
    return this.repository.relationCandidates(
      options.minSharedTags,
      options.maxPerCharacter,
      options.limit,
    );
  }

  /**
   * Relates two characters both ways; `labels.a` is shown on a's page (what b is to a).
   * False when a cap or an existing relation stopped it.
   */
  relate(
    pair: { a: string; b: string },
    type: RelationType,
    labels: { a: RelationLabels; b: RelationLabels },
    maxPerCharacter: number,
  ): Promise<boolean> {
    return this.repository.relate(pair.a, pair.b, type, labels, maxPerCharacter);
  }

  recentPublic(limit: number): Promise<CharacterSummary[]> {
    return this.repository.recent(limit);
  }

  isPublicNameTaken(name: string): Promise<boolean> {
    return this.repository.publicNameExists(name);
  }

  /**
   * Saves a validated character as public with this avatar, owned by `owner`; its
   * translation into the other languages is queued, as for any character that is published.
   */
  async createPublic(
    dto: CreateCharacterDto,
    owner: AuthUser,
    avatar: Buffer,
  ): Promise<CharacterResponseDto> {
    const avatarUrl = await this.avatars.save(avatar);
    let created: CharacterResponseDto;
    try {
      created = await this.characters.createDraft({ ...entityFields(dto), avatarUrl }, owner);
    } catch (error) {
      await this.avatars.remove(avatarUrl);
      throw error;
    }
    await this.repository.publish(created.id);
    await this.characters.scheduleTranslation(created.id);
    return { ...created, is_public: true };
  }

  /**
   * Deletes avatar files no character (soft-deleted ones included) refers to, and the first
   * copies of re-encodes whose process died before renaming them over. Files younger than
   * `minAgeMs` are left alone: an upload in progress is saved before its character row points
   * at it, a re-encode writes its copy just before the rename. Returns how many files went.
   */
  async removeOrphanAvatars(minAgeMs: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.avatars.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const cutoff = Date.now() - minAgeMs;
    const isOld = async (name: string) => {
      const info = await stat(join(this.avatars.directory, name)).catch(() => undefined);
      return info?.isFile() === true && info.mtimeMs < cutoff;
    };
    let removed = 0;
    for (const name of names.filter((file) => ABANDONED_REWRITE.test(file))) {
      if (!(await isOld(name))) continue;
      await this.avatars.removeAbandonedRewrite(name);
      removed++;
    }
    const old: string[] = [];
    for (const name of names.filter((file) => AVATAR_FILE_NAME.test(file))) {
      if (await isOld(name)) old.push(AVATAR_URL_PREFIX + name);
    }
    for (let start = 0; start < old.length; start += REFERENCE_CHECK_BATCH) {
      const urls = old.slice(start, start + REFERENCE_CHECK_BATCH);
      const referenced = await this.repository.referencedAvatarUrls(urls);
      for (const url of urls.filter((candidate) => !referenced.has(candidate))) {
        await this.avatars.remove(url);
        removed++;
      }
    }
    return removed;
  }
}

/** A validated create-DTO (snake_case) as entity fields. */
function entityFields(dto: CreateCharacterDto): Partial<CharacterEntity> & { name: string } {
  return {
    name: dto.name,
    description: dto.description ?? '',
    personality: dto.personality ?? '',
    scenario: dto.scenario ?? '',
    greeting: dto.greeting ?? '',
    alternateGreetings: dto.alternate_greetings ?? [],
    exampleDialogues: dto.example_dialogues ?? '',
    appearance: dto.appearance ?? '',
    speechPattern: dto.speech_pattern ?? '',
    tags: parseTags(dto.tags),
    structuredTags: [...parseStructuredTags(dto.structured_tags ?? '').ids],
    responseLength: dto.response_length ?? 'medium',
    maxTokens: dto.max_tokens ?? CHARACTER_LIMITS.maxTokensDefault,
    contentRating: dto.content_rating ?? 'sfw',
    originalLanguage: dto.original_language,
  };
}
