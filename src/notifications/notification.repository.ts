import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { NotificationMetadata, NotificationType } from './notification-types.js';
import { rowsToRead } from '../common/pagination.js';

/** A notification row as the API shows it. */
export interface NotificationRow {
  id: string;
  user_id: string;
  type: NotificationType;
  metadata: NotificationMetadata;
  count: number;
  read_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewNotification {
  userId: string;
  type: NotificationType;
  metadata: NotificationMetadata;
  /** Folds events of one key into one row; null: a row per event. */
  batchKey: string | null;
  /** With a batch key: a later event adds to `count` (true) or changes nothing (false). */
  accumulate: boolean;
}

const COLUMNS = `id, user_id, type, metadata, count, read_at, created_at, updated_at`;

/** The notification table's SQL. */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a notification unless the user muted its type; a batched one adds to its row of
   * the key (unread again). Undefined when nothing was stored or changed.
   */
  async insert(notification: NewNotification): Promise<NotificationRow | undefined> {
    const rows = await this.dataSource.query<NotificationRow[]>(
      `INSERT INTO notification (user_id, type, metadata, batch_key)
       SELECT $1, $2, $3::jsonb, $4
       WHERE NOT EXISTS (SELECT 1 FROM notification_settings
                         WHERE user_id = $1 AND $2 = ANY (muted_types))
       ON CONFLICT (user_id, type, batch_key) WHERE batch_key IS NOT NULL
       DO UPDATE SET count = notification.count + 1, metadata = EXCLUDED.metadata,
                     read_at = NULL, updated_at = now()
       WHERE $5::boolean
       RETURNING ${COLUMNS}`,
      [
        notification.userId,
        notification.type,
        JSON.stringify(notification.metadata),
        notification.batchKey,
        notification.accumulate,
      ],
    );
    return rows[0];
  }

  /** A page of the user's notifications, newest first, before `beforeId`, plus one row. */
  page(userId: string, beforeId: string | null, unreadOnly: boolean, limit: number) {
    return this.dataSource.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM notification
       WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
         AND (NOT $3::boolean OR read_at IS NULL)
       ORDER BY id DESC LIMIT $4`,
      [userId, beforeId, unreadOnly, rowsToRead(limit)],
    );
  }

  async unreadCount(userId: string): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM notification WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return row.count;
  }

  /** Marks one of the user's notifications read; undefined when the user has no such one. */
  async markRead(userId: string, id: string): Promise<NotificationRow | undefined> {
    const rows = (await this.dataSource.query(
      `UPDATE notification SET read_at = coalesce(read_at, now())
       WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId],
    )) as [NotificationRow[], number];
    return rows[0][0];
  }

  /** Marks all of the user's notifications read; returns how many were unread. */
  async markAllRead(userId: string): Promise<number> {
    const [, count] = (await this.dataSource.query(
      `UPDATE notification SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    )) as [unknown, number];
    return count;
  }

  /** The user's unread notifications, newest first (a digest), at most `limit`. */
  unread(userId: string, limit: number): Promise<NotificationRow[]> {
    return this.dataSource.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM notification WHERE user_id = $1 AND read_at IS NULL
       ORDER BY id DESC LIMIT $2`,
      [userId, limit],
    );
  }

  /** The user's notifications since `since` of `types`, newest first (a creator's digest). */
  since(userId: string, since: Date, types: NotificationType[]): Promise<NotificationRow[]> {
    return this.dataSource.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM notification
       WHERE user_id = $1 AND updated_at >= $2 AND type = ANY ($3)
       ORDER BY id DESC LIMIT 200`,
      [userId, since, types],
    );
  }
}
