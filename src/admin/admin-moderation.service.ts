import { BadRequestException, Injectable } from '@nestjs/common';
import { CharacterReviewService } from '../characters/character-review.service.js';
import { ReportsService } from '../characters/reports.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import type {
  ModerationQueueItemDto,
  ModerationQueuePageDto,
} from '../moderation/dto/moderation-queue.dto.js';
import type { QueueKind } from '../moderation/moderation-queue.repository.js';
import {
  ModerationQueueService,
  type DecisionAction,
} from '../moderation/moderation-queue.service.js';
import { AuditService } from './audit.service.js';
import type { ModerationDecisionDto, ModerationQueueQueryDto } from './dto/moderation.dto.js';
import { pageOf } from './dto/page-query.dto.js';

/** What the audit trail keeps of a queue item. */
const stateOf = (item: ModerationQueueItemDto) => ({
  status: item.status,
  character: item.character && {
    id: item.character.id,
    is_public: item.character.is_public,
    moderation_status: item.character.moderation_status,
    taken_down: item.character.taken_down,
    deleted: item.character.deleted,
  },
});

/**
 * The review queue (src/moderation) and its decisions: each goes to the module that owns what
 * is decided (characters and reports: CharactersModule; message flags: ModerationModule), then
 * into the audit log.
 */
@Injectable()
export class AdminModerationService {
  constructor(
    private readonly queue: ModerationQueueService,
    private readonly characters: CharacterReviewService,
    private readonly reports: ReportsService,
    private readonly audit: AuditService,
  ) {}

  list(query: ModerationQueueQueryDto): Promise<ModerationQueuePageDto> {
    return this.queue.page({ kind: query.kind, status: query.status, ...pageOf(query) });
  }

  /** `id` must be a UUID. */
  async decide(
    actor: AuthUser,
    kind: QueueKind,
    id: string,
    dto: ModerationDecisionDto,
  ): Promise<ModerationQueueItemDto> {
    const reason = dto.reason?.trim() || null;
    if (dto.action === 'reject' && kind !== 'message' && !reason) {
      throw new BadRequestException('reason is required to reject (it is mailed to the owner)');
    }
    const before = await this.queue.item(kind, id);
    switch (kind) {
      case 'character':
        await this.decideCharacter(actor, id, dto.action, reason);
        break;
      case 'message':
        await this.queue.decideMessage(id, dto.action, actor.id, reason);
        break;
      case 'report':
        await this.decideReport(actor, before, dto.action, reason);
        break;
    }
    const after = await this.queue.item(kind, id);
    await this.audit.record(actor, 'moderation.decide', `${kind}:${id}`, stateOf(before), {
      ...stateOf(after),
      action: dto.action,
      reason,
    });
    return after;
  }

  private async decideCharacter(
    actor: AuthUser,
    characterId: string,
    action: DecisionAction,
    reason: string | null,
  ): Promise<void> {
    await this.characters.decide(characterId, action, reason, actor);
    await this.queue.closeCharacterReview(characterId, action, actor.id, reason);
  }

  /**
   * approve dismisses the report; the others uphold it (status reviewed) and act on the
   * reported character. A takedown goes through the report, as PUT /admin/reports does.
   */
  private async decideReport(
    actor: AuthUser,
    report: ModerationQueueItemDto,
    action: DecisionAction,
    reason: string | null,
  ): Promise<void> {
    const note = reason ?? undefined;
    if (action === 'approve') {
      await this.reports.moderate(report.id, { status: 'dismissed', note });
      return;
    }
    if (action === 'unpublish') {
      await this.reports.moderate(report.id, {
        status: 'reviewed',
        note,
        unpublish: true,
        takedownReason: note,
      });
      await this.queue.closeCharacterReview(report.character!.id, action, actor.id, reason);
      return;
    }
    const character = report.character;
    if (character && !character.deleted)
      await this.decideCharacter(actor, character.id, action, reason);
    await this.reports.moderate(report.id, { status: 'reviewed', note });
  }
}
