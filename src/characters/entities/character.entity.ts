import {
  Check,
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import type { Language } from '../../common/languages.js';

export const RESPONSE_LENGTHS = ['short', 'medium', 'long', 'very_long'] as const;
export type ResponseLength = (typeof RESPONSE_LENGTHS)[number];
export const CONTENT_RATINGS = ['sfw', 'nsfw'] as const;
export type ContentRating = (typeof CONTENT_RATINGS)[number];
/**
 * `pending`: published by its owner, waiting for a moderator because its text scored
 * borderline; `rejected`: a moderator refused it. Neither is public (or listed anywhere).
 */
export const MODERATION_STATUSES = ['clear', 'pending', 'rejected'] as const;
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];

/**
 * The card's fields translated per language (spec: translation.py), those a chat's prompt and
 * the character page show: a chat in another language gets no text in the original's.
 */
export const TRANSLATED_FIELDS = [
  'name',
  'description',
  'personality',
  'scenario',
  'greeting',
  'appearance',
  'speechPattern',
  'exampleDialogues',
] as const;
export type TranslatedField = (typeof TRANSLATED_FIELDS)[number];
export type CharacterTranslation = Partial<Record<TranslatedField, string>>;

export interface Highlight {
  text: string;
  lang: Language;
}

export type LanguageCounts = Partial<Record<Language, number>>;

/**
 * What an imported card carried that no column holds, kept so that exporting it gives the card
 * back: `data` fields as the card had them (creator, character_version, creator_notes and
 * creator_notes_multilingual, nickname, source, creation and modification dates, assets,
 * group_only_greetings, unknown fields; tags and alternate greetings as written when the
 * columns hold them normalized or clamped), and the unknown fields beside `data`.
 */
export interface CardExtras {
  data?: Record<string, unknown>;
  root?: Record<string, unknown>;
  /**
   * A CharX's picture assets kept beside its icon: archive path → stored file (avatar URL),
   * written back by a CharX export. Never part of an exported card itself.
   */
  files?: Record<string, string>;
}

/** A character card (spec: Core/Character). Soft-deleted rows keep their chats readable. */
@Unique('uq_character_slug', ['slug'])
@Check(
  'ck_character_response_length',
  `response_length IN ('short', 'medium', 'long', 'very_long')`,
)
@Check('ck_character_content_rating', `content_rating IN ('sfw', 'nsfw')`)
@Check('ck_character_public_avatar', `NOT is_public OR avatar_url IS NOT NULL`)
@Check('ck_character_taken_down_private', `taken_down_at IS NULL OR NOT is_public`)
@Check('ck_character_moderation_status', `moderation_status IN ('clear', 'pending', 'rejected')`)
@Check('ck_character_moderation_private', `moderation_status = 'clear' OR NOT is_public`)
@Entity({ name: 'character' })
export class CharacterEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_character' })
  id: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'uuid' })
  ownerId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'text', default: '' })
  personality: string;

  @Column({ type: 'text', default: '' })
  scenario: string;

  @Column({ type: 'text', default: '' })
  greeting: string;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  alternateGreetings: string[];

  @Column({ type: 'text', default: '' })
  exampleDialogues: string;

  @Column({ type: 'text', default: '' })
  appearance: string;

  @Column({ type: 'text', default: '' })
  speechPattern: string;

  /** Free tags, lower-cased; an array so GIN can index "has tag". */
  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  /** Ids from the structured tag registry. */
  @Column({ type: 'text', array: true, default: () => `'{}'` })
  structuredTags: string[];

  @Column({ type: 'text', default: 'medium' })
  responseLength: ResponseLength;

  @Column({ type: 'integer', default: 2048 })
  maxTokens: number;

  @Column({ type: 'text', default: 'sfw' })
  contentRating: ContentRating;

  @Column({ type: 'boolean', default: false })
  isPublic: boolean;

  @Column({ type: 'text', nullable: true })
  avatarUrl: string | null;

  /**
   * Set when a moderator unpublished the character: it stays private until an admin reinstates
   * it (its owner cannot publish it), and its owner is shown `takedownReason`.
   */
  @Column({ type: 'timestamptz', nullable: true })
  takenDownAt: Date | null;

  @Column({ type: 'text', nullable: true })
  takedownReason: string | null;

  /** Moderation of its text (src/moderation): only a `clear` character can be public. */
  @Column({ type: 'text', default: 'clear' })
  moderationStatus: ModerationStatus;

  /** Why it waits for review or was rejected; shown to its owner and admins. */
  @Column({ type: 'text', nullable: true })
  moderationReason: string | null;

  @Column({ type: 'text', default: 'en' })
  originalLanguage: Language;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  translations: Partial<Record<Language, CharacterTranslation>>;

  /** original_language plus every translated language: the catalogue's language filter. */
  @Column({ type: 'text', array: true, default: () => `'{}'` })
  languages: Language[];

  /**
   * Translated languages whose translation is older than the text: an edit keeps them (pages
   * and hreflang go on working) until the translation job replaces each one.
   */
  @Column({ type: 'text', array: true, default: () => `'{}'` })
  staleLanguages: Language[];

  @Column({ type: 'jsonb', default: () => `'{}'` })
  baseChatCount: LanguageCounts;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  baseLikeCount: LanguageCounts;

  @Column({ type: 'integer', default: 0 })
  realChatCount: number;

  @Column({ type: 'integer', default: 0 })
  realLikeCount: number;

  @Column({ type: 'integer', default: 0 })
  voteScore: number;

  @Column({ type: 'integer', default: 0 })
  forkCount: number;

  /** Recent engagement, bumped on votes, favorites and chats and decayed daily: "trending". */
  @Column({ type: 'double precision', default: 0 })
  trendingScore: number;

  @Column({ type: 'uuid', nullable: true })
  forkedFromId: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  highlights: Highlight[];

  /** Lorebook, shaped as the card spec's `character_book`. */
  @Column({ type: 'jsonb', nullable: true })
  characterBook: Record<string, unknown> | null;

  /** Card extensions of other tools, kept so an import/export round trip loses nothing. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  cardExtensions: Record<string, unknown>;

  /** The card's `system_prompt`: replaces the platform's character instructions ({{original}}). */
  @Column({ type: 'text', default: '' })
  systemPrompt: string;

  /** The card's `post_history_instructions`, read after the chat history ({{original}}). */
  @Column({ type: 'text', default: '' })
  postHistoryInstructions: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  cardExtras: CardExtras;

  /**
   * The creator hid the definition (DEFINITION_FIELDS): others see the character without it
   * and cannot export or fork it; chats still use all of it.
   */
  @Column({ type: 'boolean', default: false })
  definitionHidden: boolean;

  /** Lower-cased name, description and tags: the trigram search document. */
  @Column({ type: 'text', default: '' })
  searchText: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ type: 'timestamptz' })
  deletedAt: Date | null;
}
