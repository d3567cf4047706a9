import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { Language } from '../common/languages.js';
import { CharactersRepository } from './characters.repository.js';
import { characterLimitReached, CharactersService } from './characters.service.js';
import { characterLimit } from '../auth/tiers.js';
import type { CharacterPageDto, CharacterResponseDto } from './dto/character-response.dto.js';
import { toCharacterResponse } from './dto/character-response.dto.js';
import type {
  PageQueryDto,
  RelationDto,
  ReportCreatedDto,
  ReportDto,
  VoteResultDto,
} from './dto/engagement.dto.js';
import type { CharacterRelationEntity } from './entities/relation.entity.js';
import { DEFINITION_HIDDEN_MESSAGE, mayReadDefinition } from './lib/definition-access.js';
import { mayReadLorebook } from './lib/lorebook-access.js';
import { numberedPage, offsetOf } from '../common/pagination.js';

const labelColumn = (lang: Language) =>
  `label${lang[0].toUpperCase()}${lang[1]}` as keyof Pick<
    CharacterRelationEntity,
    'labelRu' | 'labelEn' | 'labelEs' | 'labelFr' | 'labelDe' | 'labelPt' | 'labelIt'
  >;

/** What users do to characters besides editing them: votes, favorites, forks, reports. */
@Injectable()
export class EngagementService {
  constructor(
    private readonly characters: CharactersService,
    private readonly repository: CharactersRepository,
    private readonly notifications: NotificationsService,
  ) {}

  async vote(idOrSlug: string, value: -1 | 0 | 1, user: AuthUser): Promise<VoteResultDto> {
    const character = await this.characters.findVisible(idOrSlug, user);
    const score = await this.repository.vote(user.id, character.id, value);
    if (character.isPublic && character.ownerId) {
      await this.notifications.voteScoreChanged(
        character.ownerId,
        character,
        score.before,
        score.after,
      );
    }
    return { vote_score: score.after, my_vote: value };
  }

  async setFavorite(
    idOrSlug: string,
    favorite: boolean,
    user: AuthUser,
  ): Promise<{ is_favorite: boolean }> {
    const character = await this.characters.findVisible(idOrSlug, user);
    const { first } = await this.repository.setFavorite(user.id, character.id, favorite);
    // Only a user's first favorite of it is news to the owner: removing it and adding it
    // again (the same day or later) raises nothing, nor counts again in the day's batch.
    if (first && character.isPublic && character.ownerId) {
      await this.notifications.characterFavorited(character.ownerId, character, user.id);
    }
    return { is_favorite: favorite };
  }

  async favorites(user: AuthUser, query: PageQueryDto): Promise<CharacterPageDto> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    const lang = query.lang ?? (await this.characters.displayLanguage(user));
    const viewer = {
      id: user.id,
      adult: await this.characters.isAdult(user),
      admin: user.role === 'admin',
    };
    const request = { page, pageSize };
    const rows = await this.repository.listFavorites(viewer, offsetOf(request), pageSize);
    return numberedPage(rows, request, (row) => toCharacterResponse(row, user, lang));
  }

  /**
   * Clones a public character into the caller's private draft. The lorebook is private to
   * the owner and admins, so it is only copied for them; a hidden definition cannot be forked
   * by anyone else. The avatar file is shared, not copied: replacing either side's avatar
   * keeps a file another character still uses.
   */
  async fork(idOrSlug: string, user: AuthUser): Promise<CharacterResponseDto> {
    const source = await this.characters.findVisible(idOrSlug, user);
    if (!source.isPublic && source.ownerId !== user.id) {
      throw new BadRequestException('Only public characters can be forked');
    }
    if (!mayReadDefinition(source, user)) throw new ForbiddenException(DEFINITION_HIDDEN_MESSAGE);
    const {
      id: _id,
      slug: _slug,
      createdAt: _createdAt,
      updatedAt: _updatedAt,
      deletedAt: _deletedAt,
      ...content
    } = source;
    const characterBook = mayReadLorebook(source, user) ? source.characterBook : null;
    // The copy is a private draft: moderation only refuses it (422).
    await this.characters.screen({ ...content, characterBook }, user.id);
    const copyId = randomUUID();
    const limit = characterLimit(user);
    const copy = await this.repository.fork(
      {
        ...content,
        id: copyId,
        slug: await this.characters.freshSlug(source.name, copyId),
        ownerId: user.id,
        isPublic: false,
        forkedFromId: source.id,
        realChatCount: 0,
        realLikeCount: 0,
        voteScore: 0,
        forkCount: 0,
        trendingScore: 0,
        baseChatCount: {},
        baseLikeCount: {},
        highlights: [],
        characterBook,
        // Only its owner may fork a taken-down character (it is private); the copy stays down.
        takenDownAt: source.takenDownAt,
        takedownReason: source.takedownReason,
        // A rejection follows the copy (publishing it asks a moderator again); a review does not.
        moderationStatus: source.moderationStatus === 'rejected' ? 'rejected' : 'clear',
        moderationReason: source.moderationStatus === 'rejected' ? source.moderationReason : null,
      },
      source.id,
      limit,
    );
    if (!copy) throw characterLimitReached(limit!, user);
    if (source.isPublic && source.ownerId) {
      await this.notifications.characterForked(source.ownerId, source, user.id);
    }
    return toCharacterResponse(copy, user, copy.originalLanguage);
  }

  async relations(
    idOrSlug: string,
    viewer: AuthUser | null,
    lang?: Language,
  ): Promise<RelationDto[]> {
    const character = await this.characters.findVisible(idOrSlug, viewer);
    const language = lang ?? (await this.characters.displayLanguage(viewer));
    const adult = await this.characters.isAdult(viewer);
    return (await this.repository.relationsOf(character.id))
      .filter(({ related }) => related.contentRating === 'sfw' || adult)
      .map(({ relation, related }) => ({
        relation_type: relation.relationType,
        label: relation[labelColumn(language)] || relation.labelEn,
        character: toCharacterResponse(related, viewer, language),
      }));
  }

  async report(idOrSlug: string, dto: ReportDto, user: AuthUser): Promise<ReportCreatedDto> {
    const character = await this.characters.findVisible(idOrSlug, user);
    const report = await this.repository.insertReport({
      reporterId: user.id,
      characterId: character.id,
      reason: dto.reason,
      details: dto.details?.trim() ?? '',
    });
    return { id: report.id, status: 'pending' };
  }
}
