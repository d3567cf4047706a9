import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import {
  CONTENT_RATINGS,
  MODERATION_STATUSES,
  RESPONSE_LENGTHS,
  type CharacterEntity,
  type ContentRating,
  type ModerationStatus,
  type ResponseLength,
  type TranslatedField,
} from '../entities/character.entity.js';
import { mayReadDefinition } from '../lib/definition-access.js';
import { mayReadLorebook } from '../lib/lorebook-access.js';

export class HighlightDto {
  @ApiProperty()
  text: string;

  @ApiProperty({ enum: LANGUAGES })
  lang: Language;
}

/** Why a moderator took the character down; shown to its owner and admins only. */
export class CharacterTakedownDto {
  @ApiProperty({ type: String, format: 'date-time' })
  taken_down_at: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;
}

/** Moderation of the character's text; shown to its owner and admins only. */
export class CharacterModerationDto {
  @ApiProperty({
    enum: MODERATION_STATUSES,
    description:
      'clear: listed when public; pending: published, waiting for a moderator (not listed ' +
      'meanwhile); rejected: a moderator refused it (publishing it again puts it back in review)',
  })
  status: ModerationStatus;

  @ApiProperty({ type: String, nullable: true, description: 'Why it waits, or was rejected' })
  reason: string | null;
}

/**
 * A character as others see it; owner-only and admin-only fields are left out for them, and
 * the definition (personality, scenario, example dialogues, appearance, speech pattern, the
 * card's prompts) is empty for them when its creator hid it.
 */
export class CharacterResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  slug: string;

  @ApiProperty({ format: 'uuid' })
  owner_id: string;

  @ApiProperty({ description: 'In the requested language when a translation exists' })
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty()
  personality: string;

  @ApiProperty()
  scenario: string;

  @ApiProperty()
  greeting: string;

  @ApiProperty({ type: [String] })
  alternate_greetings: string[];

  @ApiProperty()
  example_dialogues: string;

  @ApiProperty()
  appearance: string;

  @ApiProperty()
  speech_pattern: string;

  @ApiProperty({
    description:
      "The card's own system prompt: replaces the platform's character instructions; " +
      '`{{original}}` stands for them. Empty when the card has none',
  })
  system_prompt: string;

  @ApiProperty({
    description:
      "The card's post-history instructions, read after the chat history; `{{original}}` " +
      "stands for the platform's own. Empty when the card has none",
  })
  post_history_instructions: string;

  @ApiProperty({ description: "The card author's notes for users (never sent to the model)" })
  creator_notes: string;

  @ApiProperty({
    description:
      'The creator hid the definition: for anyone but its owner and admins, personality, ' +
      'scenario, example_dialogues, appearance, speech_pattern, system_prompt and ' +
      'post_history_instructions are empty, and export and fork answer 403. Chats use it all',
  })
  definition_hidden: boolean;

  @ApiProperty({ description: 'Comma-separated free tags' })
  tags: string;

  @ApiProperty({ description: 'Comma-separated structured tag ids' })
  structured_tags: string;

  @ApiProperty({ enum: RESPONSE_LENGTHS })
  response_length: ResponseLength;

  @ApiProperty()
  max_tokens: number;

  @ApiProperty({ enum: CONTENT_RATINGS })
  content_rating: ContentRating;

  @ApiProperty()
  is_public: boolean;

  @ApiProperty({ nullable: true, type: String })
  avatar_url: string | null;

  @ApiProperty({ enum: LANGUAGES })
  original_language: Language;

  @ApiProperty({ enum: LANGUAGES, isArray: true })
  available_languages: Language[];

  @ApiProperty({
    enum: LANGUAGES,
    isArray: true,
    description:
      'Languages whose translation is older than the text: an edit keeps them until the new ' +
      'translations land (each leaves this list then)',
  })
  stale_languages: Language[];

  @ApiProperty({ description: 'Displayed chat count for the requested language' })
  chat_count: number;

  @ApiProperty({ description: 'Displayed like count for the requested language' })
  like_count: number;

  @ApiProperty()
  vote_score: number;

  @ApiProperty()
  fork_count: number;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  forked_from_id: string | null;

  @ApiProperty({ type: [HighlightDto] })
  highlights: HighlightDto[];

  @ApiProperty()
  is_owner: boolean;

  @ApiPropertyOptional({ description: 'Owner and admins only', type: Object, nullable: true })
  character_book?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: CharacterTakedownDto,
    nullable: true,
    description:
      'Owner and admins only: set while a moderator has taken the character down; it stays ' +
      'private until an admin reinstates it',
  })
  takedown?: CharacterTakedownDto | null;

  @ApiPropertyOptional({
    type: CharacterModerationDto,
    description:
      'Owner and admins only: whether moderation lets it be listed, and why not. Publishing a ' +
      'character whose text scores borderline answers 200 with is_public false and status ' +
      'pending; a moderator then approves (it is published) or rejects it',
  })
  moderation?: CharacterModerationDto;

  @ApiPropertyOptional({ description: 'Admins only' })
  real_chat_count?: number;

  @ApiPropertyOptional({ description: 'Admins only' })
  real_like_count?: number;

  @ApiPropertyOptional({ enum: [-1, 0, 1], description: "The caller's vote (detail view)" })
  my_vote?: number;

  @ApiPropertyOptional({ description: 'Whether the caller favorited it (detail view)' })
  is_favorite?: boolean;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;
}

export class CharacterPageDto {
  @ApiProperty({ type: [CharacterResponseDto] })
  items: CharacterResponseDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}

/** Maps an entity to what this viewer may see, in the display language. */
export function toCharacterResponse(
  character: CharacterEntity,
  viewer: AuthUser | null,
  lang: Language,
  extra: { myVote?: number; isFavorite?: boolean } = {},
): CharacterResponseDto {
  const isOwner = viewer?.id === character.ownerId;
  const isAdmin = viewer?.role === 'admin';
  const translated = lang === character.originalLanguage ? undefined : character.translations[lang];
  const text = (field: TranslatedField) => translated?.[field] || character[field];
  const definition = mayReadDefinition(character, viewer);
  const hidden = (value: string) => (definition ? value : '');
  const highlights = character.highlights.filter((highlight) => highlight.lang === lang);
  return {
    id: character.id,
    slug: character.slug,
    owner_id: character.ownerId,
    name: text('name'),
    description: text('description'),
    personality: hidden(text('personality')),
    scenario: hidden(text('scenario')),
    greeting: text('greeting'),
    alternate_greetings: character.alternateGreetings,
    example_dialogues: hidden(text('exampleDialogues')),
    appearance: hidden(text('appearance')),
    speech_pattern: hidden(text('speechPattern')),
    system_prompt: hidden(character.systemPrompt),
    post_history_instructions: hidden(character.postHistoryInstructions),
    creator_notes: creatorNotesOf(character),
    definition_hidden: character.definitionHidden,
    tags: character.tags.join(', '),
    structured_tags: character.structuredTags.join(','),
    response_length: character.responseLength,
    max_tokens: character.maxTokens,
    content_rating: character.contentRating,
    is_public: character.isPublic,
    avatar_url: character.avatarUrl,
    original_language: character.originalLanguage,
    available_languages: character.languages,
    stale_languages: character.staleLanguages,
    chat_count: character.realChatCount + (character.baseChatCount[lang] ?? 0),
    like_count: character.realLikeCount + (character.baseLikeCount[lang] ?? 0),
    vote_score: character.voteScore,
    fork_count: character.forkCount,
    forked_from_id: character.forkedFromId,
    highlights:
      highlights.length > 0 ? highlights : character.highlights.filter((h) => h.lang === 'en'),
    is_owner: isOwner,
    ...(mayReadLorebook(character, viewer) ? { character_book: character.characterBook } : {}),
    ...(isOwner || isAdmin
      ? {
          takedown: takedownOf(character),
          moderation: { status: character.moderationStatus, reason: character.moderationReason },
        }
      : {}),
    ...(isAdmin
      ? { real_chat_count: character.realChatCount, real_like_count: character.realLikeCount }
      : {}),
    ...(extra.myVote !== undefined ? { my_vote: extra.myVote } : {}),
    ...(extra.isFavorite !== undefined ? { is_favorite: extra.isFavorite } : {}),
    created_at: character.createdAt.toISOString(),
    updated_at: character.updatedAt.toISOString(),
  };
}

const takedownOf = (character: CharacterEntity): CharacterTakedownDto | null =>
  character.takenDownAt
    ? { taken_down_at: character.takenDownAt.toISOString(), reason: character.takedownReason }
    : null;

const creatorNotesOf = (character: CharacterEntity): string => {
  const notes = character.cardExtras.data?.creator_notes;
  return typeof notes === 'string' ? notes : '';
};
