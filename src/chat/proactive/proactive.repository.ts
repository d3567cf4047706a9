import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** A chat whose user has been away long enough for its character to write first. */
export interface AwayChat {
  chat_id: string;
  user_id: string;
  /** The message the absence began after (the path's end): the absence's key. */
  leaf_id: string;
}

/** An account that may be written to now ($now): enabled, never released, not banned. */
const REACHABLE_OWNER = (now: string) => `u.disabled_at IS NULL AND u.released_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM ban b WHERE b.user_id = u.id AND b.lifted_at IS NULL
                  AND b.banned_until > ${now})`;

/** The SQL of proactive messages besides the claim and the save (GenerationRepository). */
@Injectable()
export class ProactiveRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Opted-in direct chats of reachable users (never a guest's) whose path ended over their
   * chosen hours before `now`, unless it ends with two proactive messages in a row (unanswered);
   * at most `limit`, the longest-waiting first.
   */
  away(now: Date, limit: number): Promise<AwayChat[]> {
    return this.dataSource.query<AwayChat[]>(
      `SELECT c.id AS chat_id, c.user_id, c.leaf_id::text AS leaf_id
       FROM chat c
       JOIN app_user u ON u.id = c.user_id
       JOIN message leaf ON leaf.id = c.leaf_id
       LEFT JOIN message before_leaf ON before_leaf.id = leaf.parent_id
       WHERE c.proactive_after_hours IS NOT NULL AND c.kind = 'direct'
         AND c.anon_session_id IS NULL
         AND ${REACHABLE_OWNER('$1')}
         AND leaf.created_at <= $1::timestamptz - make_interval(hours => c.proactive_after_hours)
         AND NOT (leaf.proactive AND coalesce(before_leaf.proactive, false))
       ORDER BY leaf.created_at
       LIMIT $2`,
      [now, limit],
    );
  }

  /** Whether the chat's owner may still be written to, and the chat still wants it. */
  async stillWanted(chatId: string, now: Date): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM chat c JOIN app_user u ON u.id = c.user_id
       WHERE c.id = $1 AND c.proactive_after_hours IS NOT NULL AND c.anon_session_id IS NULL
         AND ${REACHABLE_OWNER('$2')}`,
      [chatId, now],
    );
    return rows.length > 0;
  }

  /** Proactive messages the user got in their chats since `since`. */
  async sentSince(userId: string, since: Date): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM message m JOIN chat c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.proactive AND m.created_at > $2`,
      [userId, since],
    );
    return row.count;
  }

  /** The chat's proactive choice (hours; null is off), if the user owns the chat. */
  async choice(chatId: string, userId: string): Promise<{ hours: number | null } | null> {
    const [row] = await this.dataSource.query<Array<{ hours: number | null }>>(
      `SELECT proactive_after_hours AS hours FROM chat
       WHERE id = $1 AND user_id = $2 AND anon_session_id IS NULL`,
      [chatId, userId],
    );
    return row ?? null;
  }

  async choose(chatId: string, hours: number | null): Promise<void> {
    await this.dataSource.query(`UPDATE chat SET proactive_after_hours = $2 WHERE id = $1`, [
      chatId,
      hours,
    ]);
  }
}
