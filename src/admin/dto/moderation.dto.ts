import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BadRequestException, Param } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import { QUEUE_KINDS, type QueueKind } from '../../moderation/moderation-queue.repository.js';
import {
  DECISION_ACTIONS,
  QUEUE_STATUSES,
  type DecisionAction,
  type QueueStatus,
} from '../../moderation/moderation-queue.service.js';
import { AdminPageQueryDto } from './page-query.dto.js';

export class ModerationQueueQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({ enum: QUEUE_KINDS, description: 'Only items of this kind' })
  @IsOptional()
  @IsIn(QUEUE_KINDS)
  kind?: QueueKind;

  @ApiPropertyOptional({
    enum: QUEUE_STATUSES,
    default: 'pending',
    description: 'pending: waiting for a decision, oldest first; decided: latest decision first',
  })
  @IsOptional()
  @IsIn(QUEUE_STATUSES)
  status?: QueueStatus;
}

export class ModerationDecisionDto {
  @ApiProperty({
    enum: DECISION_ACTIONS,
    description:
      'approve: list the character (dismiss the report, clear the message); reject: keep the ' +
      'character private and mail its owner the reason (uphold the report or the flag); ' +
      'unpublish: take the character down until an admin reinstates it; delete: delete it. ' +
      'A flagged message takes approve or reject',
  })
  @IsIn(DECISION_ACTIONS)
  action: DecisionAction;

  @ApiPropertyOptional({
    maxLength: 500,
    description: 'Why; required to reject (the owner is mailed it), else kept in the audit log',
  })
  @TextField(500, { multiline: true, optional: true, minLength: 1 })
  reason?: string;
}

/** The `:kind` path parameter: one of the queue's kinds, else a 400 naming them. */
export const QueueKindParam = (name: string) =>
  Param(name, {
    transform(value: unknown): QueueKind {
      if (!(QUEUE_KINDS as readonly unknown[]).includes(value)) {
        throw new BadRequestException(`${name} must be one of: ${QUEUE_KINDS.join(', ')}`);
      }
      return value as QueueKind;
    },
  });
