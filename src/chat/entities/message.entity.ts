import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const MESSAGE_ROLES = ['user', 'assistant', 'system'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
/** `stopped`: the user stopped the reply (or the server shut down) and the part written so far was kept. */
export const MESSAGE_STATUSES = ['complete', 'stopped'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * One message of a chat, a node of its tree: alternative replies (and the branches below
 * them) are siblings. Ids grow with time (identity), so a parent's id is smaller than its
 * children's.
 */
@Check('ck_message_role', `role IN ('user', 'assistant', 'system')`)
@Check('ck_message_status', `status IN ('complete', 'stopped')`)
@Check('ck_message_character', `role <> 'user' OR character_id IS NULL`)
@Check('ck_message_depth', `depth >= 1`)
@Entity({ name: 'message' })
export class MessageEntity {
  /** bigint: the driver returns it as a string; responses turn it into a number. */
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_message',
  })
  id: string;

  @Column({ type: 'uuid' })
  chatId: string;

  /** The message this one follows; null for a chat's openings (the roots of its tree). */
  @Column({ type: 'bigint', nullable: true })
  parentId: string | null;

  /** The child last active below this message; null where the active path ends. */
  @Column({ type: 'bigint', nullable: true })
  activeChildId: string | null;

  /** Its place on its path, from 1 (an opening): the chat's message_count is its leaf's. */
  @Column({ type: 'integer' })
  depth: number;

  @Column({ type: 'text' })
  role: MessageRole;

  /** The character who spoke; null for the user (and once that character no longer exists). */
  @Column({ type: 'uuid', nullable: true })
  characterId: string | null;

  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'text', default: 'complete' })
  status: MessageStatus;

  /** `provider/model` that wrote an assistant message. */
  @Column({ type: 'text', nullable: true })
  modelUsed: string | null;

  @Column({ type: 'integer', nullable: true })
  promptTokens: number | null;

  @Column({ type: 'integer', nullable: true })
  completionTokens: number | null;

  /** Tokens of `content` (o200k_base), counted when it was written; null on older rows. */
  @Column({ type: 'integer', nullable: true })
  tokens: number | null;

  /** Dice the game master asked for in this reply, rolled by the server (campaigns). */
  @Column({ type: 'jsonb', nullable: true })
  diceRolls: Array<Record<string, unknown>> | null;

  /** The encounter state the game master reported in this reply (campaigns). */
  @Column({ type: 'jsonb', nullable: true })
  encounterState: Record<string, unknown> | null;

  /** The character's lorebook entries this reply's prompt carried, as `{id, name}`. */
  @Column({ type: 'jsonb', nullable: true })
  lorebookEntries: Array<{ id: number | string; name: string | null }> | null;

  /** The facts, pinned notes and recalled messages this reply's prompt carried (ids). */
  @Column({ type: 'jsonb', nullable: true })
  memoryUsed: MemoryUsed | null;

  /** Last edited in place by the user. */
  @Column({ type: 'timestamptz', nullable: true })
  editedAt: Date | null;

  /** Written by the character first, the user away (issue #21): not an answer, not charged. */
  @Column({ type: 'boolean', default: false })
  proactive: boolean;

  /**
   * The content's lexemes in the chat's text-search configuration, for recall: written by the
   * trigger tr_message_recall_vector (migration RecallLanguage), never by the app.
   */
  @Column({ type: 'tsvector', nullable: true, select: false, insert: false, update: false })
  recallVector?: string | null;

  /**
   * The content's embedding for recall's re-ranking (float4, any length), written by the
   * `memory.embed` job; cleared with `embeddingModel` by tr_message_embedding_stale when the
   * content changes. Never read with a message: only EmbeddingRerankRetriever loads it.
   */
  @Column({ type: 'real', array: true, nullable: true, select: false })
  embedding?: number[] | null;

  /** The model `embedding` came from (EMBEDDINGS_MODEL then): vectors of another are ignored. */
  @Column({ type: 'text', nullable: true, select: false })
  embeddingModel?: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/** Ids of what a reply's prompt remembered: character memories, chat notes, messages. */
export interface MemoryUsed {
  facts: number[];
  notes: number[];
  messages: number[];
}
