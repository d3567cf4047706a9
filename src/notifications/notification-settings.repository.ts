import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { NotificationType } from './notification-types.js';

/** A user's notification choices (the defaults when they never chose). */
export interface NotificationSettings {
  mutedTypes: NotificationType[];
  weeklyDigest: boolean;
  creatorDigest: boolean;
  timeZone: string;
  /** Local hours: nothing proactive from `quietStart` until `quietEnd` (may wrap midnight). */
  quietStart: number;
  quietEnd: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  mutedTypes: [],
  weeklyDigest: false,
  creatorDigest: false,
  timeZone: 'UTC',
  quietStart: 22,
  quietEnd: 9,
};

interface SettingsRow {
  muted_types: NotificationType[];
  weekly_digest: boolean;
  creator_digest: boolean;
  time_zone: string;
  quiet_start: number;
  quiet_end: number;
}

/** A recipient of mail: an account that may get it (enabled, not banned, not released). */
export interface Recipient {
  id: string;
  email: string;
  display_name: string | null;
}

/**
 * SQL condition on `u` (app_user): an account that may be written to now ($now): enabled,
 * never released, not under a ban in force.
 */
export const REACHABLE_USER = (now: string) => `u.disabled_at IS NULL AND u.released_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM ban b WHERE b.user_id = u.id AND b.lifted_at IS NULL
                  AND b.banned_until > ${now})`;

@Injectable()
export class NotificationSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(userId: string): Promise<NotificationSettings> {
    const [row] = await this.dataSource.query<SettingsRow[]>(
      `SELECT muted_types, weekly_digest, creator_digest, time_zone, quiet_start, quiet_end
       FROM notification_settings WHERE user_id = $1`,
      [userId],
    );
    if (!row) return { ...DEFAULT_NOTIFICATION_SETTINGS };
    return {
      mutedTypes: row.muted_types,
      weeklyDigest: row.weekly_digest,
      creatorDigest: row.creator_digest,
      timeZone: row.time_zone,
      quietStart: row.quiet_start,
      quietEnd: row.quiet_end,
    };
  }

  async save(userId: string, settings: NotificationSettings): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO notification_settings
         (user_id, muted_types, weekly_digest, creator_digest, time_zone, quiet_start, quiet_end)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id) DO UPDATE SET muted_types = EXCLUDED.muted_types,
         weekly_digest = EXCLUDED.weekly_digest, creator_digest = EXCLUDED.creator_digest,
         time_zone = EXCLUDED.time_zone, quiet_start = EXCLUDED.quiet_start,
         quiet_end = EXCLUDED.quiet_end, updated_at = now()`,
      [
        userId,
        settings.mutedTypes,
        settings.weeklyDigest,
        settings.creatorDigest,
        settings.timeZone,
        settings.quietStart,
        settings.quietEnd,
      ],
    );
  }

  /** Turns a digest off (the unsubscribe link). */
  async unsubscribe(userId: string, kind: DigestKind): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO notification_settings (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`,
      [userId],
    );
    await this.dataSource.query(
      kind === 'weekly'
        ? `UPDATE notification_settings SET weekly_digest = false, updated_at = now() WHERE user_id = $1`
        : `UPDATE notification_settings SET creator_digest = false, updated_at = now() WHERE user_id = $1`,
      [userId],
    );
  }

  /** Users who asked for the digest and have not had it for `period`; at most `limit`. */
  dueForDigest(kind: DigestKind, period: string, now: Date, limit: number): Promise<Recipient[]> {
    return this.dataSource.query<Recipient[]>(
      `SELECT u.id, u.email, u.display_name
       FROM notification_settings s JOIN app_user u ON u.id = s.user_id
       WHERE (CASE WHEN $1 = 'weekly' THEN s.weekly_digest ELSE s.creator_digest END)
         AND ${REACHABLE_USER('$3')}
         AND NOT EXISTS (SELECT 1 FROM digest_delivery d
                         WHERE d.user_id = u.id AND d.kind = $1 AND d.period = $2)
       ORDER BY u.id LIMIT $4`,
      [kind, period, now, limit],
    );
  }

  /** The recipient, if the digest is still wanted and the account may be written to. */
  async recipient(userId: string, kind: DigestKind, now: Date): Promise<Recipient | undefined> {
    const [row] = await this.dataSource.query<Recipient[]>(
      `SELECT u.id, u.email, u.display_name
       FROM notification_settings s JOIN app_user u ON u.id = s.user_id
       WHERE u.id = $1 AND (CASE WHEN $2 = 'weekly' THEN s.weekly_digest ELSE s.creator_digest END)
         AND ${REACHABLE_USER('$3')}`,
      [userId, kind, now],
    );
    return row;
  }

  /**
   * Takes the digest of this period for the caller: true once, for the first caller (another
   * instance, a retry after a sent mail get false). Given back with releaseDelivery when the
   * mail could not be sent.
   */
  async claimDelivery(userId: string, kind: DigestKind, period: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO digest_delivery (user_id, kind, period) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [userId, kind, period],
    );
    return rows.length > 0;
  }

  /**
   * Chats started since `since` with the owner's public characters, by others (users and
   * guests), most first. The digest's own read of the chat table: chat imports notifications,
   * so this module reads the counts rather than calling into chat.
   */
  newChats(ownerId: string, since: Date, limit: number): Promise<NewChatsRow[]> {
    return this.dataSource.query<NewChatsRow[]>(
      `SELECT c.id AS character_id, c.name AS character_name, n.chats
       FROM character c
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS chats FROM chat ch
         WHERE ch.character_id = c.id AND ch.created_at >= $2
           AND ch.user_id IS DISTINCT FROM c.owner_id) n
       WHERE c.owner_id = $1 AND c.is_public AND c.deleted_at IS NULL AND n.chats > 0
       ORDER BY n.chats DESC, c.id LIMIT $3`,
      [ownerId, since, limit],
    );
  }

  /**
   * Votes cast since `since` on the owner's public characters by others, up and down, most
   * first: a vote counts from when it was cast (changing it later is not a new one; clearing
   * it removes it). Read from `vote` as newChats reads `chat` (index ix_vote_character).
   */
  newVotes(ownerId: string, since: Date, limit: number): Promise<NewVotesRow[]> {
    return this.dataSource.query<NewVotesRow[]>(
      `SELECT c.id AS character_id, c.name AS character_name, n.up, n.down
       FROM character c
       CROSS JOIN LATERAL (
         SELECT count(*) FILTER (WHERE v.value = 1)::int AS up,
                count(*) FILTER (WHERE v.value = -1)::int AS down
         FROM vote v
         WHERE v.character_id = c.id AND v.created_at >= $2 AND v.user_id <> c.owner_id) n
       WHERE c.owner_id = $1 AND c.is_public AND c.deleted_at IS NULL AND n.up + n.down > 0
       ORDER BY n.up + n.down DESC, c.id LIMIT $3`,
      [ownerId, since, limit],
    );
  }

  async releaseDelivery(userId: string, kind: DigestKind, period: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM digest_delivery WHERE user_id = $1 AND kind = $2 AND period = $3`,
      [userId, kind, period],
    );
  }
}

export type DigestKind = 'weekly' | 'creator_daily';

/** New chats of one of a creator's public characters (the creators' digest). */
export interface NewChatsRow {
  character_id: string;
  character_name: string;
  chats: number;
}

/** New votes on one of a creator's public characters (the creators' digest). */
export interface NewVotesRow {
  character_id: string;
  character_name: string;
  up: number;
  down: number;
}
