import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ModerationHit } from './moderation.types.js';
import { rowsToRead } from '../common/pagination.js';

export const QUEUE_KINDS = ['character', 'message', 'report'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/** One row of the merged queue, whatever its kind (columns a kind lacks are null). */
export interface QueueRow {
  kind: QueueKind;
  /** What a decision names: the character's id, the message flag's id, the report's id. */
  id: string;
  /** The flag's status ('none': a character never held for review), or the report's. */
  status: string;
  stage: string | null;
  created_at: Date;
  decided_at: Date | null;
  hits: ModerationHit[] | null;
  excerpt: string | null;
  decision_reason: string | null;
  decided_by: string | null;
  character_id: string | null;
  character_name: string | null;
  character_slug: string | null;
  owner_id: string | null;
  character_public: boolean | null;
  character_status: string | null;
  character_deleted: boolean | null;
  character_taken_down: boolean | null;
  chat_id: string | null;
  message_id: string | null;
  report_reason: string | null;
  report_details: string | null;
  reporter_id: string | null;
  /** A reported character's name, description and greeting, for the rules to score. */
  subject_text: string | null;
  subject_nsfw: boolean | null;
}

export interface QueueFilter {
  kind?: QueueKind;
  /** true: waiting for a decision (oldest first); false: decided (latest decision first). */
  pending: boolean;
  offset: number;
  limit: number;
}

// The columns of a character, for each branch (c: the character; c may be missing).
const CHARACTER_COLUMNS = `
  c.id AS character_id, c.name AS character_name, c.slug AS character_slug, c.owner_id,
  c.is_public AS character_public, c.moderation_status AS character_status,
  c.deleted_at IS NOT NULL AS character_deleted, c.taken_down_at IS NOT NULL AS character_taken_down`;

/**
 * Characters in review, flagged messages and reports, merged into one queue (a read model
 * over moderation_flag, character and report; decisions go through the owning modules'
 * services). A character's row is the character itself with its latest review.
 */
const QUEUE_SQL = `
  SELECT * FROM (
    SELECT 'character' AS kind, c.id::text AS id, f.status, f.stage, f.created_at, f.decided_at,
           f.hits, f.excerpt, f.decision_reason, f.decided_by, ${CHARACTER_COLUMNS},
           NULL::uuid AS chat_id, NULL::bigint AS message_id, NULL::text AS report_reason,
           NULL::text AS report_details, NULL::uuid AS reporter_id, NULL::text AS subject_text,
           NULL::boolean AS subject_nsfw
    FROM moderation_flag f JOIN character c ON c.id = f.character_id
    WHERE f.kind = 'character' AND ($1::text IS NULL OR $1 = 'character')
      AND CASE WHEN $2 THEN f.status = 'pending' AND c.moderation_status = 'pending'
                            AND c.deleted_at IS NULL
               ELSE f.status <> 'pending' END
    UNION ALL
    SELECT 'message', f.id::text, f.status, f.stage, f.created_at, f.decided_at, f.hits,
           f.excerpt, f.decision_reason, f.decided_by, ${CHARACTER_COLUMNS},
           f.chat_id, f.message_id, NULL, NULL, NULL, NULL, NULL
    FROM moderation_flag f LEFT JOIN character c ON c.id = f.character_id
    WHERE f.kind = 'message' AND ($1::text IS NULL OR $1 = 'message') AND (f.status = 'pending') = $2
    UNION ALL
    SELECT 'report', r.id::text, r.status, 'character', r.created_at,
           CASE WHEN r.status <> 'pending' THEN r.updated_at END, NULL, NULL, r.resolution_note,
           NULL, ${CHARACTER_COLUMNS},
           NULL, NULL, r.reason, r.details, r.reporter_id,
           left(concat_ws(E'\\n', c.name, c.description, c.greeting), 20000),
           c.content_rating = 'nsfw'
    FROM report r LEFT JOIN character c ON c.id = r.character_id
    WHERE ($1::text IS NULL OR $1 = 'report') AND (r.status = 'pending') = $2
  ) item
  ORDER BY CASE WHEN $2 THEN created_at END ASC,
           CASE WHEN NOT $2 THEN COALESCE(decided_at, created_at) END DESC,
           id
  OFFSET $3 LIMIT $4`;

/** A character with its latest review (the pending one first), whether or not it had one. */
const CHARACTER_ITEM_SQL = `
  SELECT 'character' AS kind, c.id::text AS id, COALESCE(f.status, 'none') AS status,
         f.stage, COALESCE(f.created_at, c.created_at) AS created_at, f.decided_at, f.hits,
         f.excerpt, f.decision_reason, f.decided_by, ${CHARACTER_COLUMNS},
         NULL::uuid AS chat_id, NULL::bigint AS message_id, NULL::text AS report_reason,
         NULL::text AS report_details, NULL::uuid AS reporter_id, NULL::text AS subject_text,
         NULL::boolean AS subject_nsfw
  FROM character c
  LEFT JOIN LATERAL (
    SELECT * FROM moderation_flag f
    WHERE f.kind = 'character' AND f.character_id = c.id
    ORDER BY f.status = 'pending' DESC, f.created_at DESC
    LIMIT 1
  ) f ON true
  WHERE c.id = $1`;

const MESSAGE_ITEM_SQL = `
  SELECT 'message' AS kind, f.id::text AS id, f.status, f.stage, f.created_at, f.decided_at,
         f.hits, f.excerpt, f.decision_reason, f.decided_by, ${CHARACTER_COLUMNS},
         f.chat_id, f.message_id, NULL::text AS report_reason, NULL::text AS report_details,
         NULL::uuid AS reporter_id, NULL::text AS subject_text, NULL::boolean AS subject_nsfw
  FROM moderation_flag f LEFT JOIN character c ON c.id = f.character_id
  WHERE f.id = $1 AND f.kind = 'message'`;

const REPORT_ITEM_SQL = `
  SELECT 'report' AS kind, r.id::text AS id, r.status, 'character' AS stage, r.created_at,
         CASE WHEN r.status <> 'pending' THEN r.updated_at END AS decided_at,
         NULL::jsonb AS hits, NULL::text AS excerpt, r.resolution_note AS decision_reason,
         NULL::uuid AS decided_by, ${CHARACTER_COLUMNS},
         NULL::uuid AS chat_id, NULL::bigint AS message_id, r.reason AS report_reason,
         r.details AS report_details, r.reporter_id,
         left(concat_ws(E'\\n', c.name, c.description, c.greeting), 20000) AS subject_text,
         c.content_rating = 'nsfw' AS subject_nsfw
  FROM report r LEFT JOIN character c ON c.id = r.character_id
  WHERE r.id = $1`;

const ITEM_SQL: Record<QueueKind, string> = {
  character: CHARACTER_ITEM_SQL,
  message: MESSAGE_ITEM_SQL,
  report: REPORT_ITEM_SQL,
};

@Injectable()
export class ModerationQueueRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One page of the queue, plus one row so the caller knows whether more follow. */
  page(filter: QueueFilter): Promise<QueueRow[]> {
    return this.dataSource.query<QueueRow[]>(QUEUE_SQL, [
      filter.kind ?? null,
      filter.pending,
      filter.offset,
      rowsToRead(filter.limit),
    ]);
  }

  /** The item a decision names (`id` a UUID), in whatever status; null when there is none. */
  async item(kind: QueueKind, id: string): Promise<QueueRow | null> {
    const [row] = await this.dataSource.query<QueueRow[]>(ITEM_SQL[kind], [id]);
    return row ?? null;
  }
}
