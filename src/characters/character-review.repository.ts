import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface ReviewedCharacter {
  id: string;
  slug: string;
  name: string;
  ownerId: string;
  isPublic: boolean;
}

/** A moderator's decisions on a character's listing (src/moderation holds the review queue). */
@Injectable()
export class CharacterReviewRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Lists a character waiting for review (public when it can be); null when none waits. */
  async approve(id: string): Promise<ReviewedCharacter | null> {
    return this.one(
      `UPDATE character
       SET moderation_status = 'clear', moderation_reason = NULL,
           is_public = avatar_url IS NOT NULL AND taken_down_at IS NULL
       WHERE id = $1 AND moderation_status = 'pending' AND deleted_at IS NULL
       RETURNING id, slug, name, owner_id, is_public`,
      [id],
    );
  }

  /** Keeps it private with the reason its owner is shown; null for no such character. */
  reject(id: string, reason: string): Promise<ReviewedCharacter | null> {
    return this.one(
      `UPDATE character
       SET moderation_status = 'rejected', moderation_reason = $2, is_public = false
       WHERE id = $1 AND deleted_at IS NULL
       RETURNING id, slug, name, owner_id, is_public`,
      [id, reason],
    );
  }

  /**
   * Takes it down (private until an admin reinstates it, as a report's takedown does): the
   * review, if any, ends with it. A second takedown keeps the first one's time.
   */
  takeDown(id: string, reason: string): Promise<ReviewedCharacter | null> {
    return this.one(
      `UPDATE character
       SET is_public = false, taken_down_at = COALESCE(taken_down_at, now()), takedown_reason = $2,
           moderation_status = 'clear', moderation_reason = NULL
       WHERE id = $1 AND deleted_at IS NULL
       RETURNING id, slug, name, owner_id, is_public`,
      [id, reason],
    );
  }

  /** Deleted ones too: a rejection mail still names what was rejected. */
  find(id: string): Promise<ReviewedCharacter | null> {
    return this.one(`SELECT id, slug, name, owner_id, is_public FROM character WHERE id = $1`, [
      id,
    ]);
  }

  private async one(sql: string, parameters: unknown[]): Promise<ReviewedCharacter | null> {
    const result = (await this.dataSource.query(sql, parameters)) as unknown;
    // UPDATE … RETURNING answers [rows, count]; SELECT answers rows.
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Array<{
      id: string;
      slug: string;
      name: string;
      owner_id: string;
      is_public: boolean;
    }>;
    const row = rows[0];
    return row
      ? {
          id: row.id,
          slug: row.slug,
          name: row.name,
          ownerId: row.owner_id,
          isPublic: row.is_public,
        }
      : null;
  }
}
