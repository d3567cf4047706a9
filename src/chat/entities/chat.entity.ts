import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Language } from '../../common/languages.js';

/**
 * `direct`: one character answers each message (guests too). `group`: one to three characters
 * answer each message in turn, a round (signed-in users).
 */
export const CHAT_KINDS = ['direct', 'group'] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

/** Text the prompt carries `depth` messages from its end (0: after the newest message). */
export interface AuthorNote {
  text: string;
  depth: number;
}

/**
 * A chat's settings, named as the generation options of a request (which override them);
 * absent: the default (the character's, or the spec's).
 */
export interface ChatSettings {
  model?: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  max_tokens?: number;
  author_note?: AuthorNote;
  /** What the character learns in this chat stays this chat's (character memories). */
  memory_chat_only?: boolean;
}

/**
 * A conversation of a user (or a guest session, under the anonymous system user) with one to
 * three characters (its members, chat_member). The persona is copied in when the chat starts, so editing or deleting the
 * persona later does not rewrite the story.
 */
@Check('ck_chat_language', `language IN ('ru', 'en', 'es', 'fr', 'de', 'pt', 'it')`)
@Check('ck_chat_message_count', `message_count >= 0`)
@Check('ck_chat_kind', `kind IN ('direct', 'group')`)
@Check('ck_chat_settings', `jsonb_typeof(settings) = 'object'`)
@Check(
  'ck_chat_proactive_after_hours',
  `proactive_after_hours IS NULL OR proactive_after_hours BETWEEN 1 AND 720`,
)
@Entity({ name: 'chat' })
export class ChatEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_chat' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  /** The lead: the only member of a direct chat, the first to speak in a group chat. */
  @Column({ type: 'uuid' })
  characterId: string;

  @Column({ type: 'text', default: 'direct' })
  kind: ChatKind;

  @Column({ type: 'text', nullable: true })
  personaName: string | null;

  @Column({ type: 'text', nullable: true })
  personaDescription: string | null;

  /** Set while the chat belongs to a guest (user_id is then the anonymous system user). */
  @Column({ type: 'uuid', nullable: true })
  anonSessionId: string | null;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  /** The language the character speaks in this chat (prompts, greeting). */
  @Column({ type: 'text', default: 'en' })
  language: Language;

  /** What happened before the messages the model still sees (written by the summarizer). */
  @Column({ type: 'text', nullable: true })
  summary: string | null;

  /** When the user last wrote the summary (the memory panel); null: the summarizer's alone. */
  @Column({ type: 'timestamptz', nullable: true })
  summaryEditedAt: Date | null;

  /** The last message the summary covers (bigint, as a string); the context sends later ones. */
  @Column({ type: 'bigint', nullable: true })
  summarizedThroughId: string | null;

  /** The end of the active path (bigint, as a string): new messages attach under it. */
  @Column({ type: 'bigint', nullable: true })
  leafId: string | null;

  /**
   * The active path's length (its leaf's depth), kept with every change, so nothing has to
   * count a chat's messages.
   */
  @Column({ type: 'integer', default: 0 })
  messageCount: number;

  /**
   * The chat's own model, sampling, reply length and author's note (PUT
   * /api/chats/{id}/settings); a field left out takes the default. Read with the chat row, so a
   * reply looks nothing else up for them.
   */
  @Column({ type: 'jsonb', default: {} })
  settings: ChatSettings;

  /** Hours of absence after which the lead writes first (src/chat/proactive); null: never. */
  @Column({ type: 'integer', nullable: true })
  proactiveAfterHours: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** Last activity: "my chats" lists the most recent first. */
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
