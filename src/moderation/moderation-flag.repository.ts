import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { FlagStatus } from './entities/moderation-flag.entity.js';
import type { ModerationHit, ModerationStage } from './moderation.types.js';

export interface CharacterReview {
  characterId: string;
  ownerId: string;
  hits: ModerationHit[];
  excerpt: string;
}

export interface MessageFlag {
  messageId: string;
  chatId: string;
  /** The author (null: a guest, or the model). */
  userId: string | null;
  characterId: string | null;
  stage: Exclude<ModerationStage, 'character'>;
  hits: ModerationHit[];
  excerpt: string;
}

export interface Decision {
  status: Exclude<FlagStatus, 'pending'>;
  decidedBy: string | null;
  reason: string | null;
}

const topScore = (hits: ModerationHit[]) =>
  hits.reduce((best, hit) => Math.max(best, hit.score), 0);

/** The moderation_flag table: what waits for a moderator, and what they decided. */
@Injectable()
export class ModerationFlagRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Opens the character's review, or refreshes its hits when one is open already (one pending
   * flag per character: uq_moderation_flag_pending_character).
   */
  async openCharacterReview(review: CharacterReview): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO moderation_flag (kind, stage, character_id, user_id, hits, score, excerpt)
       VALUES ('character', 'character', $1, $2, $3, $4, $5)
       ON CONFLICT (character_id) WHERE kind = 'character' AND status = 'pending'
       DO UPDATE SET hits = EXCLUDED.hits, score = EXCLUDED.score, excerpt = EXCLUDED.excerpt,
                     user_id = EXCLUDED.user_id, updated_at = now()`,
      [
        review.characterId,
        review.ownerId,
        JSON.stringify(review.hits),
        topScore(review.hits),
        review.excerpt,
      ],
    );
  }

  /** Closes the character's open review, if any; true when there was one. */
  async closeCharacterReview(characterId: string, decision: Decision): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE moderation_flag
       SET status = $2, decided_by = $3, decision_reason = $4, decided_at = now(), updated_at = now()
       WHERE kind = 'character' AND character_id = $1 AND status = 'pending'`,
      [characterId, decision.status, decision.decidedBy, decision.reason],
    )) as [unknown, number];
    return affected > 0;
  }

  /** A message flag; returns its id. */
  async insertMessageFlag(flag: MessageFlag): Promise<string> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO moderation_flag (kind, stage, message_id, chat_id, user_id, character_id, hits, score, excerpt)
       VALUES ('message', $1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING id`,
      [
        flag.stage,
        flag.messageId,
        flag.chatId,
        flag.userId,
        flag.characterId,
        JSON.stringify(flag.hits),
        topScore(flag.hits),
        flag.excerpt,
      ],
    )) as Array<{ id: string }>;
    return row.id;
  }

  /** Decides a pending message flag; false when there is none of that id pending. */
  async decideMessageFlag(id: string, decision: Decision): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE moderation_flag
       SET status = $2, decided_by = $3, decision_reason = $4, decided_at = now(), updated_at = now()
       WHERE id = $1 AND kind = 'message' AND status = 'pending'`,
      [id, decision.status, decision.decidedBy, decision.reason],
    )) as [unknown, number];
    return affected > 0;
  }

  async messageFlagExists(id: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM moderation_flag WHERE id = $1 AND kind = 'message'`,
      [id],
    )) as unknown[];
    return rows.length > 0;
  }
}
