import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UsersService } from '../auth/users.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { RowCache } from '../common/row-changes/row-cache.js';
import { RowChangeFeed } from '../common/row-changes/row-change-feed.js';
import { ModerationService, type CharacterScreening } from '../moderation/moderation.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../common/languages.js';
import type { CreateCharacterDto, UpdateCharacterDto } from './dto/character-input.dto.js';
import { CHARACTER_LIMITS } from './dto/character-limits.js';
import { MAX_PAGE_SIZE, type CatalogueQueryDto } from './dto/character-query.dto.js';
import {
  type CharacterPageDto,
  type CharacterResponseDto,
  toCharacterResponse,
} from './dto/character-response.dto.js';
import {
  type CharacterEntity,
  type ContentRating,
  TRANSLATED_FIELDS,
} from './entities/character.entity.js';
import { characterLimit } from '../auth/tiers.js';
import { AvatarStorage } from './avatar-storage.js';
import { CatalogueCache } from './catalogue-cache.service.js';
import { type ChatStarter, CharactersRepository } from './characters.repository.js';
import { initialBaseCounts } from './lib/language-preferences.js';
import { PageViewsService } from './page-views.service.js';
import { readCharacterBook } from './lib/character-book.js';
import { listingAfterEdit } from './lib/moderation-listing.js';
import { generateSlug } from './lib/slug.js';
import { slugFromInput } from './slug-input.js';
import { parseStructuredTags } from './lib/structured-tags.js';
import { numberedPage, offsetOf } from '../common/pagination.js';

export const TRANSLATE_JOB = 'characters.translate';
/**
 * A translation waits this long after the edit that queued it: further edits meanwhile join
 * the same pending job (one per character, by dedupe key), which reads the latest text.
 */
export const TRANSLATION_DEBOUNCE_MS = 30_000;
/** Upstream failures retry (with backoff) up to here; unusable answers once at most. */
const TRANSLATION_ATTEMPTS = 3;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How long an instance keeps a character a reply reads. Any change but to its counters
 * reaches every instance at once (RowChangeFeed); the TTL only bounds a missed notification's
 * reach.
 */
const REPLY_CHARACTER_TTL_MS = 60_000;
const REPLY_CHARACTERS_KEPT = 5_000;

/** The lower-cased text the catalogue's trigram search looks through. */
export const searchText = (c: Pick<CharacterEntity, 'name' | 'description' | 'tags'>): string =>
  [c.name, c.description, c.tags.join(' ')].join(' ').toLowerCase().slice(0, 10_000);

/** What the owner (or an admin) is told when publishing a character a moderator took down. */
const takenDown = (character: Pick<CharacterEntity, 'takedownReason'>) =>
  new ForbiddenException(
    `This character was taken down by a moderator${
      character.takedownReason ? ` (${character.takedownReason})` : ''
    }: it stays private until a moderator reinstates it`,
  );

/**
 * The translations an edit of the text keeps, every one marked stale until the translation job
 * replaces it, so pages and hreflang in those languages go on working meanwhile. A translation
 * into the (new) original language goes: that text is the original now.
 */
function keptStale(
  row: Pick<CharacterEntity, 'originalLanguage' | 'translations'>,
): Pick<CharacterEntity, 'translations' | 'languages' | 'staleLanguages'> {
  const translations = { ...row.translations };
  delete translations[row.originalLanguage];
  const translated = LANGUAGES.filter((lang) => translations[lang]);
  return {
    translations,
    languages: [row.originalLanguage, ...translated],
    staleLanguages: translated,
  };
}

/** Free tags: comma-separated, trimmed, lower-cased, deduplicated. */
export function parseTags(input: string | undefined): string[] {
  return [
    ...new Set(
      (input ?? '')
        .split(',')
        .map((tag) => tag.trim().toLowerCase())
        .filter(Boolean),
    ),
  ].slice(0, CHARACTER_LIMITS.tags);
}

/** The 409 for a user who keeps as many characters as their tier allows. */
export const characterLimitReached = (limit: number, owner: AuthUser) =>
  new ConflictException(
    `You can keep at most ${limit} characters on the ${owner.tier} tier: delete one first`,
  );

@Injectable()
export class CharactersService {
  constructor(
    private readonly characters: CharactersRepository,
    private readonly users: UsersService,
    private readonly jobs: JobQueue,
    private readonly avatars: AvatarStorage,
    private readonly pageViews: PageViewsService,
    private readonly moderation: ModerationService,
    private readonly catalogueCache: CatalogueCache,
    private readonly notifications: NotificationsService,
    changes: RowChangeFeed,
  ) {
    this.replyCharacters = new RowCache(changes, 'character', {
      ttlMs: REPLY_CHARACTER_TTL_MS,
      maxEntries: REPLY_CHARACTERS_KEPT,
    });
  }

  /** Characters by id as replies read them (frozen: shared by every reply on this instance). */
  private readonly replyCharacters: RowCache<Readonly<CharacterEntity> | null>;

  async list(query: CatalogueQueryDto, viewer: AuthUser | null): Promise<CharacterPageDto> {
    if (query.mine && !viewer) throw new BadRequestException('mine=true needs a signed-in user');
    const lang = query.lang ?? (await this.displayLanguage(viewer));
    const request = {
      page: query.page ?? 1,
      pageSize: Math.min(query.page_size ?? 20, MAX_PAGE_SIZE),
    };
    const rows = await this.characters.list({
      search: query.q?.trim() || undefined,
      tag: query.tag?.trim().toLowerCase() || undefined,
      structuredTag: query.structured_tag,
      ratings: query.mine ? ['sfw', 'nsfw'] : await this.visibleRatings(query, viewer),
      language: query.language,
      ownerId: query.mine ? viewer!.id : undefined,
      sort: query.sort ?? (query.q ? 'relevance' : 'popular'),
      offset: offsetOf(request),
      limit: request.pageSize,
    });
    return numberedPage(rows, request, (row) => toCharacterResponse(row, viewer, lang));
  }

  async get(
    idOrSlug: string,
    viewer: AuthUser | null,
    lang?: Language,
  ): Promise<CharacterResponseDto> {
    const character = await this.findVisible(idOrSlug, viewer);
    this.pageViews.record(character.id, lang);
    const [myVote, isFavorite] = viewer
      ? await Promise.all([
          this.characters.myVote(viewer.id, character.id),
          this.characters.isFavorite(viewer.id, character.id),
        ])
      : [undefined, undefined];
    return toCharacterResponse(character, viewer, lang ?? (await this.displayLanguage(viewer)), {
      myVote,
      isFavorite,
    });
  }

  async create(dto: CreateCharacterDto, owner: AuthUser): Promise<CharacterResponseDto> {
    if (dto.is_public) {
      throw new BadRequestException('A public character needs an avatar: upload one first');
    }
    const slug = dto.slug ? await this.claimSlug(dto.slug) : undefined;
    return this.createDraft(
      {
        ...this.fieldsFrom(dto),
        name: dto.name,
        originalLanguage: dto.original_language ?? (await this.displayLanguage(owner)),
      },
      owner,
      slug,
    );
  }

  /**
   * Saves a private draft (from the API, a card import or an AI draft). Drafts are not
   * translated: translations cost money and only the catalogue shows them (see update).
   */
  async createDraft(
    fields: Partial<CharacterEntity> & { name: string },
    owner: AuthUser,
    slug?: string,
  ): Promise<CharacterResponseDto> {
    // A draft is private: moderation only refuses (422), nothing waits for review.
    await this.screen(fields, owner.id);
    const id = randomUUID();
    const language = fields.originalLanguage ?? DEFAULT_LANGUAGE;
    // A word-for-word copy of one of the owner's taken-down characters (its card exported and
    // imported again) is taken down too: otherwise it would be a way round the takedown.
    const original = await this.characters.takenDownCopyOf(owner.id, fields);
    const base = initialBaseCounts(
      {
        tags: fields.tags ?? [],
        structuredTags: fields.structuredTags ?? [],
        contentRating: fields.contentRating ?? 'sfw',
      },
      Math.random,
    );
    const limit = characterLimit(owner);
    const created = await this.characters.insertWithinLimit(
      {
        ...fields,
        id,
        slug: slug ?? (await this.freshSlug(fields.name, id)),
        ownerId: owner.id,
        isPublic: false,
        originalLanguage: language,
        languages: [language],
        baseChatCount: base.chat,
        baseLikeCount: base.like,
        searchText: searchText({ description: '', tags: [], ...fields }),
        ...(original
          ? {
              takenDownAt: new Date(),
              takedownReason: `A copy of "${original.name}"${
                original.takedownReason ? `: ${original.takedownReason}` : ''
              }`,
            }
          : {}),
      },
      limit,
    );
    if (!created) throw characterLimitReached(limit!, owner);
    return toCharacterResponse(created, owner, language);
  }

  async update(
    id: string,
    dto: UpdateCharacterDto,
    editor: AuthUser,
  ): Promise<CharacterResponseDto> {
    const character = await this.findEditable(id, editor);
    const fields = this.fieldsFrom(dto);
    const slug =
      dto.slug && dto.slug !== character.slug ? await this.claimSlug(dto.slug) : undefined;
    const isPublic = dto.is_public ?? character.isPublic;
    const publishing = dto.is_public === true;
    if (publishing && character.takenDownAt) throw takenDown(character);
    if (isPublic && !character.avatarUrl) {
      throw new BadRequestException('A public character needs an avatar: upload one first');
    }
    // Moderation reads the character as it will be: a refusal is a 422; a public one whose
    // text is borderline (or was rejected before) waits for review instead of being listed.
    const screening = await this.screen({ ...character, ...fields }, character.ownerId);
    const listing = listingAfterEdit(
      character,
      character.takenDownAt ? false : dto.is_public,
      screening,
    );
    if (listing.review) {
      await this.moderation.openCharacterReview(character.id, character.ownerId, screening);
    }
    const originalLanguage = dto.original_language ?? character.originalLanguage;
    // A change of translated text (or of the language it is in) makes the translations stale.
    const textChanged = TRANSLATED_FIELDS.some(
      (field) => fields[field] !== undefined && fields[field] !== character[field],
    );
    const stale = textChanged || originalLanguage !== character.originalLanguage;
    const updated = await this.characters.updateDeriving(
      character.id,
      {
        ...fields,
        ...(slug ? { slug } : {}),
        // Only when asked: writing back the value read above could undo a takedown since.
        ...(dto.is_public !== undefined ? { isPublic: dto.is_public } : {}),
        ...listing.changes,
        originalLanguage,
      },
      (row) => {
        // Under the row lock: a takedown that landed since the read above wins, and a
        // translation saved since is kept (stale) with the others.
        if (publishing && row.takenDownAt) throw takenDown(row);
        return { searchText: searchText(row), ...(stale ? keptStale(row) : {}) };
      },
    );
    this.changedListing(character, updated);
    if (listing.withdraw) await this.moderation.withdrawCharacterReview(character.id);
    // A listed character taken out of the catalogue by the screening of this edit: its owner
    // is told, as of a moderator's takedown (an admin may have made the edit).
    if (character.isPublic && !updated.isPublic && listing.review) {
      await this.notifications.characterModerated(
        character.ownerId,
        updated,
        'held_for_review',
        screening.reason,
      );
    }
    // Only public characters are translated: when their text changes, and when published.
    if (updated.isPublic && (stale || !character.isPublic)) {
      await this.scheduleTranslation(character.id);
    }
    return toCharacterResponse(updated, editor, originalLanguage);
  }

  /**
   * Lifts a moderator's takedown (admins; the caller checks) and, with `publish`, puts the
   * character back in the catalogue when it has an avatar. Returns it as it was and is now.
   */
  async reinstate(
    id: string,
    admin: AuthUser,
    publish: boolean,
  ): Promise<{ before: CharacterEntity; after: CharacterEntity; response: CharacterResponseDto }> {
    const before = await this.findEditable(id, admin);
    if (!before.takenDownAt || !(await this.characters.reinstate(before.id, publish))) {
      throw new ConflictException('This character is not taken down');
    }
    const after = (await this.characters.findById(before.id))!;
    this.changedListing(before, after);
    if (after.isPublic) await this.scheduleTranslation(after.id);
    return { before, after, response: toCharacterResponse(after, admin, after.originalLanguage) };
  }

  async remove(id: string, editor: AuthUser): Promise<void> {
    const character = await this.findEditable(id, editor);
    await this.characters.softDelete(character.id);
    this.changedListing(character);
  }

  /**
   * Stores a new avatar and returns the updated character: one moderation refuses is a 422
   * naming `file` (AvatarStorage.save). The old file is removed unless another character (a
   * fork, or the original of this fork) still shows it.
   */
  async setAvatar(
    id: string,
    image: Buffer | undefined,
    editor: AuthUser,
  ): Promise<CharacterResponseDto> {
    if (!image) throw new BadRequestException("file is required (multipart field 'file')");
    const character = await this.findEditable(id, editor);
    const avatarUrl = await this.avatars.save(image, {
      moderate: { field: 'file', nsfw: character.contentRating === 'nsfw' },
    });
    const updated = await this.characters.update(character.id, { avatarUrl });
    this.changedListing(character, updated);
    const old = character.avatarUrl;
    if (old && old !== avatarUrl && !(await this.characters.avatarInUse(old))) {
      await this.avatars.remove(old);
    }
    return toCharacterResponse(updated, editor, updated.originalLanguage);
  }

  /**
   * After a write this instance made to a character anonymous visitors may have seen (or may
   * now see): drop the anonymous cache here at once. The table's trigger notifies every
   * instance, this one included, a few ms later (CatalogueCache).
   */
  private changedListing(...versions: Array<Pick<CharacterEntity, 'isPublic'>>): void {
    if (versions.some((version) => version.isPublic)) this.catalogueCache.invalidate();
  }

  /** The character if this viewer may see it; a hidden one is indistinguishable from none. */
  async findVisible(idOrSlug: string, viewer: AuthUser | null): Promise<CharacterEntity> {
    const character = UUID.test(idOrSlug)
      ? await this.characters.findById(idOrSlug)
      : await this.characters.findBySlug(idOrSlug.toLowerCase());
    return this.visibleTo(character, viewer);
  }

  /**
   * findVisible for a chat's reply, read on every message: the character from a per-instance
   * copy that any change to it empties on every instance (its counters — chats, likes,
   * votes, trending — may lag: a reply does not read them). Frozen, so no caller can change
   * what the next reply reads.
   */
  async findVisibleForReply(
    id: string,
    viewer: AuthUser | null,
  ): Promise<Readonly<CharacterEntity>> {
    const character = UUID.test(id)
      ? await this.replyCharacters.get(id, async (key) => {
          const row = await this.characters.findById(key);
          return row && Object.freeze(row);
        })
      : null;
    return this.visibleTo(character, viewer);
  }

  private async visibleTo<C extends Readonly<CharacterEntity>>(
    character: C | null,
    viewer: AuthUser | null,
  ): Promise<C> {
    const privileged = viewer && (viewer.role === 'admin' || viewer.id === character?.ownerId);
    if (!character || (!character.isPublic && !privileged)) {
      throw new NotFoundException('Character not found');
    }
    if (character.contentRating === 'nsfw' && !privileged && !(await this.isAdult(viewer))) {
      throw new NotFoundException('Character not found');
    }
    return character;
  }

  /**
   * The character if this user may change it: its owner or an admin. One hidden from this
   * user (someone else's private one, NSFW for non-adults) answers 404, as everywhere else,
   * so its id cannot be probed for.
   */
  async findEditable(id: string, editor: AuthUser): Promise<CharacterEntity> {
    if (!UUID.test(id)) throw new NotFoundException('Character not found');
    const character = await this.findVisible(id, editor);
    if (character.ownerId !== editor.id && editor.role !== 'admin') {
      throw new ForbiddenException('Only the owner or an admin may change this character');
    }
    return character;
  }

  /**
   * Moderation of a character's text (src/moderation) on every save: a refusal throws 422
   * naming the field and the category.
   */
  screen(fields: Partial<CharacterEntity>, ownerId: string): Promise<CharacterScreening> {
    return this.moderation.screenCharacter(fields, {
      accountCreatedAt: async () => (await this.users.findById(ownerId))?.createdAt,
    });
  }

  /** For chat lists: characters by id, deleted ones included (their chats stay readable). */
  findForChats(ids: string[]): Promise<CharacterEntity[]> {
    return this.characters.findByIdsWithDeleted(ids);
  }

  /**
   * Counts a new chat with the character (real_chat_count, once per user or guest session;
   * trending for a user's first).
   */
  recordChatStarted(id: string, starter: ChatStarter): Promise<void> {
    return this.characters.recordChatStarted(id, starter);
  }

  async isAdult(viewer: AuthUser | null): Promise<boolean> {
    if (!viewer) return false;
    return (await this.users.findById(viewer.id))?.adultConfirmedAt != null;
  }

  async displayLanguage(viewer: AuthUser | null): Promise<Language> {
    if (!viewer) return DEFAULT_LANGUAGE;
    return (await this.users.findById(viewer.id))?.preferredLanguage ?? DEFAULT_LANGUAGE;
  }

  /** Queues the translation of a public character, unless one is pending already. */
  scheduleTranslation(characterId: string): Promise<void> {
    return this.jobs.enqueue(
      TRANSLATE_JOB,
      { characterId },
      {
        dedupeKey: characterId,
        delayMs: TRANSLATION_DEBOUNCE_MS,
        maxAttempts: TRANSLATION_ATTEMPTS,
      },
    );
  }

  /** Generates a unique slug from a name (the short id makes collisions practically nil). */
  async freshSlug(name: string, id: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const shortId = (attempt === 0 ? id : randomUUID()).replace(/-/g, '').slice(0, 8);
      const slug = generateSlug(name, shortId);
      if (!(await this.characters.slugExists(slug))) return slug;
    }
  }

  private async claimSlug(input: string): Promise<string> {
    const slug = slugFromInput(input);
    if (await this.characters.slugExists(slug))
      throw new BadRequestException(`slug '${slug}' is taken`);
    return slug;
  }

  private async visibleRatings(
    query: CatalogueQueryDto,
    viewer: AuthUser | null,
  ): Promise<ContentRating[]> {
    const wantsNsfw = query.content_rating === 'nsfw' || query.include_nsfw === true;
    if (!wantsNsfw) return ['sfw'];
    if (!(await this.isAdult(viewer))) {
      throw new ForbiddenException(
        'NSFW characters are only listed for users who confirmed they are adults',
      );
    }
    return query.content_rating === 'nsfw' ? ['nsfw'] : ['sfw', 'nsfw'];
  }

  /** DTO (snake_case) to entity fields, only for what the DTO carries. */
  private fieldsFrom(dto: UpdateCharacterDto): Partial<CharacterEntity> {
    const fields: Partial<CharacterEntity> = {};
    if (dto.name !== undefined) fields.name = dto.name;
    if (dto.description !== undefined) fields.description = dto.description;
    if (dto.personality !== undefined) fields.personality = dto.personality;
    if (dto.scenario !== undefined) fields.scenario = dto.scenario;
    if (dto.greeting !== undefined) fields.greeting = dto.greeting;
    if (dto.alternate_greetings !== undefined) fields.alternateGreetings = dto.alternate_greetings;
    if (dto.example_dialogues !== undefined) fields.exampleDialogues = dto.example_dialogues;
    if (dto.appearance !== undefined) fields.appearance = dto.appearance;
    if (dto.speech_pattern !== undefined) fields.speechPattern = dto.speech_pattern;
    if (dto.system_prompt !== undefined) fields.systemPrompt = dto.system_prompt;
    if (dto.post_history_instructions !== undefined) {
      fields.postHistoryInstructions = dto.post_history_instructions;
    }
    if (dto.tags !== undefined) fields.tags = parseTags(dto.tags);
    if (dto.structured_tags !== undefined) {
      const parsed = parseStructuredTags(dto.structured_tags);
      if (parsed.unknown.length > 0) {
        throw new BadRequestException(`Unknown structured tags: ${parsed.unknown.join(', ')}`);
      }
      fields.structuredTags = [...parsed.ids];
    }
    if (dto.response_length !== undefined) fields.responseLength = dto.response_length;
    if (dto.max_tokens !== undefined) fields.maxTokens = dto.max_tokens;
    if (dto.content_rating !== undefined) fields.contentRating = dto.content_rating;
    if (dto.definition_hidden !== undefined) fields.definitionHidden = dto.definition_hidden;
    // Stored as a card import stores it (the DTO checked it the same way): a V2/V3 book with
    // its required fields, strings held to the multi-line text rule.
    if (dto.character_book !== undefined) {
      fields.characterBook = readCharacterBook(dto.character_book);
    }
    return fields;
  }
}
