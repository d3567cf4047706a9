import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { lockForTransaction } from '../../database/transaction-lock.js';
import type { DataSource, EntityManager } from 'typeorm';
import { aloneOnPath, strayOpenings, walkUp } from '../message-path.js';
import { PreparedStatements } from '../../database/prepared-statement.js';

export const MEMORY_KINDS = [
  'person',
  'relationship',
  'event',
  'promise',
  'preference',
  'item',
  'place',
] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** A fact a character keeps about a user. */
export interface CharacterMemory {
  id: number;
  characterId: string;
  /** The chat it was learned in; null when the user wrote it. */
  chatId: string | null;
  /** Only that chat's prompts use it (the chat keeps its facts to itself). */
  chatOnly: boolean;
  kind: MemoryKind;
  text: string;
  importance: number;
  sourceMessageIds: number[];
  pinned: boolean;
  /** The fact that replaced this one (history); null while it is current. */
  supersededBy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A fact as the extractor proposes it, checked (MemoryExtractor.parse). */
export interface FactCandidate {
  text: string;
  kind: MemoryKind;
  importance: number;
  sourceMessageIds: number[];
  /** The id of a known fact it repeats: merged into that one. */
  sameAs?: number;
  /** The id of a known fact it contradicts: that one is superseded, kept as history. */
  replaces?: number;
}

export interface MemoryChange {
  text?: string;
  kind?: MemoryKind;
  importance?: number;
  pinned?: boolean;
}

type Row = {
  id: string;
  character_id: string;
  chat_id: string | null;
  chat_only: boolean;
  kind: MemoryKind;
  text: string;
  importance: number;
  source_message_ids: string[];
  pinned: boolean;
  superseded_by: string | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `id, character_id, chat_id, chat_only, kind, text, importance, source_message_ids,
  pinned, superseded_by, created_at, updated_at`;

const toMemory = (row: Row): CharacterMemory => ({
  id: Number(row.id),
  characterId: row.character_id,
  chatId: row.chat_id,
  chatOnly: row.chat_only,
  kind: row.kind,
  text: row.text,
  importance: row.importance,
  sourceMessageIds: row.source_message_ids.map(Number),
  pinned: row.pinned,
  supersededBy: row.superseded_by === null ? null : Number(row.superseded_by),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The same fact told apart from wording noise: case, spacing, punctuation. */
export const normalizeFact = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** A fact learned from messages is used while one of them is still on its chat's active path. */
const PATH_CHECK_STEPS = 10_000;

/** Character memories (character_memory): one user's facts per character. */
@Injectable()
export class CharacterMemoryRepository {
  /** The prompt's facts read, on every reply: prepared (see PreparedStatement). */
  private readonly prepared: PreparedStatements;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.prepared = new PreparedStatements(dataSource);
  }

  /** The user's facts about the character, current first, best first (ix_character_memory_current). */
  async list(
    userId: string,
    characterId: string,
    options: { history?: boolean; limit: number },
  ): Promise<CharacterMemory[]> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${COLUMNS} FROM character_memory
       WHERE user_id = $1 AND character_id = $2 AND ($3 OR superseded_by IS NULL)
       ORDER BY superseded_by IS NOT NULL, pinned DESC, importance DESC, id DESC LIMIT $4`,
      [userId, characterId, options.history === true, options.limit],
    );
    return rows.map(toMemory);
  }

  /** The facts learned in a chat, current and past (its export). */
  async ofChat(chatId: string): Promise<CharacterMemory[]> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${COLUMNS} FROM character_memory WHERE chat_id = $1 ORDER BY id`,
      [chatId],
    );
    return rows.map(toMemory);
  }

  /**
   * The facts a prompt of `chatId` carries: the user's current facts about the character (a
   * chat-only one from this chat alone), pinned and important first, at most `limit`, without
   * those whose source messages are all deleted or off their chat's active path (a message is
   * on it while each parent above it points at it, walked up to the first message alone at its
   * depth, or to the root, which must be the chat's opening now: strayOpenings). Written by the
   * user (no sources): always used.
   */
  async forPrompt(
    userId: string,
    characterId: string,
    chatId: string,
    limit: number,
  ): Promise<Array<{ id: number; text: string }>> {
    const rows = await this.prepared.query<Array<{ id: string; text: string }>>(
      'character_memory_for_prompt',
      `WITH RECURSIVE candidates AS (
         SELECT id, text, source_message_ids, pinned, importance FROM character_memory
         WHERE user_id = $1 AND character_id = $2 AND superseded_by IS NULL
           AND (NOT chat_only OR chat_id = $3)
         ORDER BY pinned DESC, importance DESC, id DESC LIMIT $4),
       -- From each source up while each parent names the child as its active one, until a
       -- message alone at its depth (on the path, and so is all above it): in a chat without
       -- swipes or branches no step at all, where the walk to the root took thousands.
       ${walkUp(
         `SELECT m.id AS source, c.id AS fact_id, m.id, m.parent_id, 1 AS n, true AS ok,
                 ${aloneOnPath('m', 'h.message_count')} AS settled, h.message_count AS count
          FROM candidates c CROSS JOIN LATERAL unnest(c.source_message_ids) s (id)
          JOIN message m ON m.id = s.id JOIN chat h ON h.id = m.chat_id`,
         '$5',
         'w.source, w.fact_id',
       )},
       ${strayOpenings('$5')},
       on_path AS (
         SELECT DISTINCT fact_id FROM walk w
         WHERE n = 1 AND NOT EXISTS (
           SELECT 1 FROM walk b WHERE b.fact_id = w.fact_id AND b.source = w.source
             AND (NOT b.ok OR b.id IN (SELECT id FROM stray_openings))))
       SELECT c.id, c.text FROM candidates c
       WHERE cardinality(c.source_message_ids) = 0 OR c.id IN (SELECT fact_id FROM on_path)
       ORDER BY c.pinned DESC, c.importance DESC, c.id DESC`,
      [userId, characterId, chatId, limit, PATH_CHECK_STEPS],
    );
    return rows.map((row) => ({ id: Number(row.id), text: row.text }));
  }

  /**
   * Merges what the extractor found into the user's facts, in one transaction (the pair's
   * facts locked, so two extractions at once do not both add the same fact): a fact already
   * known (same words, or `sameAs`) gains the new sources and the higher importance; one that
   * `replaces` a known fact supersedes it (the old one kept as history); others are added.
   * Returns the ids added.
   */
  async merge(
    owner: { userId: string; characterId: string; chatId: string; chatOnly: boolean },
    candidates: readonly FactCandidate[],
  ): Promise<number[]> {
    return this.dataSource.transaction(async (manager) => {
      const known = (
        await manager.query<Row[]>(
          `SELECT ${COLUMNS} FROM character_memory
           WHERE user_id = $1 AND character_id = $2 AND superseded_by IS NULL
           ORDER BY id FOR UPDATE`,
          [owner.userId, owner.characterId],
        )
      ).map(toMemory);
      const byText = new Map(known.map((fact) => [normalizeFact(fact.text), fact]));
      const byId = new Map(known.map((fact) => [fact.id, fact]));
      const added: number[] = [];
      for (const candidate of candidates) {
        const same =
          byText.get(normalizeFact(candidate.text)) ??
          (candidate.sameAs !== undefined ? byId.get(candidate.sameAs) : undefined);
        if (same) {
          await this.absorb(manager, same.id, candidate);
          continue;
        }
        const [row] = await manager.query<Array<{ id: string }>>(
          `INSERT INTO character_memory (user_id, character_id, chat_id, chat_only, kind, text,
                                         importance, source_message_ids)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint[]) RETURNING id`,
          [
            owner.userId,
            owner.characterId,
            owner.chatId,
            owner.chatOnly,
            candidate.kind,
            candidate.text,
            candidate.importance,
            candidate.sourceMessageIds,
          ],
        );
        const id = Number(row.id);
        added.push(id);
        const replaced =
          candidate.replaces !== undefined ? byId.get(candidate.replaces) : undefined;
        if (replaced && !replaced.pinned) {
          await manager.query(
            `UPDATE character_memory SET superseded_by = $2, updated_at = now() WHERE id = $1`,
            [replaced.id, id],
          );
          byId.delete(replaced.id);
          byText.delete(normalizeFact(replaced.text));
        }
        const fact = { ...candidate, id } as unknown as CharacterMemory;
        byText.set(normalizeFact(candidate.text), fact);
        byId.set(id, fact);
      }
      return added;
    });
  }

  private async absorb(manager: EntityManager, id: number, candidate: FactCandidate) {
    await manager.query(
      `UPDATE character_memory
       SET importance = GREATEST(importance, $2),
           source_message_ids = ARRAY(SELECT DISTINCT unnest(source_message_ids || $3::bigint[])
                                      ORDER BY 1),
           updated_at = now()
       WHERE id = $1`,
      [id, candidate.importance, candidate.sourceMessageIds],
    );
  }

  /**
   * Adds a fact the user wrote (no sources: always used) unless they already keep `max` live
   * facts about the character: 'full' then, null without such a character. A per-user and
   * character advisory lock makes the count and the insert one step, so parallel requests
   * cannot overshoot.
   */
  async add(
    userId: string,
    characterId: string,
    fact: { text: string; kind: MemoryKind; importance: number; pinned: boolean },
    max: number,
  ): Promise<CharacterMemory | 'full' | null> {
    return this.dataSource.transaction(async (manager) => {
      await lockForTransaction(manager, `memory:${userId}:${characterId}`);
      const [{ live }] = await manager.query<Array<{ live: number }>>(
        `SELECT count(*)::int AS live FROM character_memory
         WHERE user_id = $1 AND character_id = $2 AND superseded_by IS NULL`,
        [userId, characterId],
      );
      if (live >= max) return 'full';
      // No such character: nothing added (null), rather than a foreign-key error.
      const [row] = await manager.query<Row[]>(
        `INSERT INTO character_memory (user_id, character_id, kind, text, importance, pinned)
         SELECT $1, id, $3, $4, $5, $6 FROM character WHERE id = $2 RETURNING ${COLUMNS}`,
        [userId, characterId, fact.kind, fact.text, fact.importance, fact.pinned],
      );
      return row ? toMemory(row) : null;
    });
  }

  /** Changes one of the user's facts; null when they have no such fact about the character. */
  async update(
    userId: string,
    characterId: string,
    id: number,
    change: MemoryChange,
  ): Promise<CharacterMemory | null> {
    // An UPDATE answers [rows, count].
    const [[row]] = await this.dataSource.query<[Row[], number]>(
      `UPDATE character_memory
       SET text = COALESCE($4::text, text), kind = COALESCE($5::text, kind),
           importance = COALESCE($6::smallint, importance), pinned = COALESCE($7::boolean, pinned),
           updated_at = now()
       WHERE id = $3 AND user_id = $1 AND character_id = $2
       RETURNING ${COLUMNS}`,
      [
        userId,
        characterId,
        id,
        change.text ?? null,
        change.kind ?? null,
        change.importance ?? null,
        change.pinned ?? null,
      ],
    );
    return row ? toMemory(row) : null;
  }

  /** Deletes one of the user's facts (its history too); false when there is no such fact. */
  async delete(userId: string, characterId: string, id: number): Promise<boolean> {
    // A DELETE answers [rows, count].
    const [, deleted] = await this.dataSource.query<[unknown, number]>(
      `WITH RECURSIVE history AS (
         SELECT id FROM character_memory WHERE id = $3 AND user_id = $1 AND character_id = $2
         UNION
         SELECT f.id FROM character_memory f JOIN history h ON f.superseded_by = h.id)
       DELETE FROM character_memory WHERE id IN (SELECT id FROM history)`,
      [userId, characterId, id],
    );
    return deleted > 0;
  }
}
