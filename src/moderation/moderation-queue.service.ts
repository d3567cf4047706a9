import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { ModerationQueueItemDto, ModerationQueuePageDto } from './dto/moderation-queue.dto.js';
import type { FlagStatus } from './entities/moderation-flag.entity.js';
import { ModerationFlagRepository } from './moderation-flag.repository.js';
import {
  ModerationQueueRepository,
  type QueueKind,
  type QueueRow,
} from './moderation-queue.repository.js';
import { decide } from './moderation-policy.js';
import type { ModerationCategory, ModerationHit } from './moderation.types.js';
import { ModerationService } from './moderation.service.js';
import { numberedPage, offsetOf } from '../common/pagination.js';

export const QUEUE_STATUSES = ['pending', 'decided'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export const DECISION_ACTIONS = ['approve', 'reject', 'unpublish', 'delete'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** What a decision makes of a character's review flag. */
export const FLAG_STATUS_OF: Record<
  DecisionAction,
  Exclude<FlagStatus, 'pending' | 'withdrawn'>
> = {
  approve: 'approved',
  reject: 'rejected',
  unpublish: 'unpublished',
  delete: 'deleted',
};

/**
 * The review queue as admins read it: characters in review, flagged messages and reports in
 * one list with their scores and excerpts. Decisions on characters and reports belong to
 * their modules (the admin service calls them); this service closes the flags.
 */
@Injectable()
export class ModerationQueueService {
  constructor(
    private readonly queue: ModerationQueueRepository,
    private readonly flags: ModerationFlagRepository,
    private readonly moderation: ModerationService,
  ) {}

  async page(query: {
    kind?: QueueKind;
    status?: QueueStatus;
    page: number;
    pageSize: number;
  }): Promise<ModerationQueuePageDto> {
    const rows = await this.queue.page({
      kind: query.kind,
      pending: (query.status ?? 'pending') === 'pending',
      offset: offsetOf(query),
      limit: query.pageSize,
    });
    const policy = await this.moderation.currentPolicy();
    return numberedPage(rows, query, (row) => this.describe(row, policy));
  }

  /** The item a decision names; 404 when there is none. */
  async item(kind: QueueKind, id: string): Promise<ModerationQueueItemDto> {
    const row = await this.queue.item(kind, id);
    if (!row) throw new NotFoundException(`No ${kind} ${id} to moderate`);
    return this.describe(row, await this.moderation.currentPolicy());
  }

  /**
   * Decides a flagged message: approve (nothing wrong) or reject (the flag is upheld). A
   * message is not published or deleted from here.
   */
  async decideMessage(
    id: string,
    action: DecisionAction,
    decidedBy: string,
    reason: string | null,
  ): Promise<void> {
    if (action !== 'approve' && action !== 'reject') {
      throw new BadRequestException('A flagged message can be approved or rejected');
    }
    const decided = await this.flags.decideMessageFlag(id, {
      status: FLAG_STATUS_OF[action],
      decidedBy,
      reason,
    });
    if (decided) return;
    if (await this.flags.messageFlagExists(id))
      throw new ConflictException('This message flag was decided already');
    throw new NotFoundException(`No message ${id} to moderate`);
  }

  /** Closes a character's pending review with a moderator's decision (if one is open). */
  closeCharacterReview(
    characterId: string,
    action: DecisionAction,
    decidedBy: string,
    reason: string | null,
  ): Promise<boolean> {
    return this.flags.closeCharacterReview(characterId, {
      status: FLAG_STATUS_OF[action],
      decidedBy,
      reason,
    });
  }

  private describe(row: QueueRow, policy: Parameters<typeof decide>[1]): ModerationQueueItemDto {
    let hits: ModerationHit[] = row.hits ?? [];
    let excerpt = row.excerpt ?? '';
    // A report carries no scores: the rules read the reported character for the moderator.
    if (row.kind === 'report' && row.subject_text) {
      const nsfw = row.subject_nsfw ?? false;
      const result = this.moderation.scoreWithRules(row.subject_text, nsfw);
      hits = decide([{ field: 'character', results: [{ source: 'rules', result }] }], policy, {
        nsfw,
      }).hits;
      excerpt = hits.find((hit) => hit.excerpt)?.excerpt ?? row.subject_text.slice(0, 200);
    }
    const scores: Partial<Record<ModerationCategory, number>> = {};
    for (const hit of hits) scores[hit.category] = Math.max(scores[hit.category] ?? 0, hit.score);
    return {
      kind: row.kind,
      id: row.id,
      status: row.status,
      created_at: new Date(row.created_at).toISOString(),
      score: hits.reduce((best, hit) => Math.max(best, hit.score), 0),
      scores,
      hits,
      excerpt,
      character: row.character_id
        ? {
            id: row.character_id,
            slug: row.character_slug!,
            name: row.character_name!,
            owner_id: row.owner_id!,
            is_public: row.character_public!,
            moderation_status: row.character_status!,
            taken_down: row.character_taken_down!,
            deleted: row.character_deleted!,
          }
        : null,
      message:
        row.kind === 'message'
          ? { id: String(row.message_id), chat_id: row.chat_id!, stage: row.stage! }
          : null,
      report:
        row.kind === 'report'
          ? {
              reason: row.report_reason!,
              details: row.report_details ?? '',
              reporter_id: row.reporter_id!,
            }
          : null,
      decision:
        row.decided_at || row.decision_reason
          ? {
              reason: row.decision_reason,
              decided_by: row.decided_by,
              decided_at: row.decided_at ? new Date(row.decided_at).toISOString() : null,
            }
          : null,
    };
  }
}
