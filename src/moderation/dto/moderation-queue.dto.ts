import { ApiProperty } from '@nestjs/swagger';
import { QUEUE_KINDS, type QueueKind } from '../moderation-queue.repository.js';
import { MODERATION_CATEGORIES, type ModerationCategory } from '../moderation.types.js';

export class ModerationHitDto {
  @ApiProperty({ description: 'The field (characters: as the API names it; messages: content)' })
  field: string;

  @ApiProperty({ enum: MODERATION_CATEGORIES })
  category: ModerationCategory;

  @ApiProperty({ minimum: 0, maximum: 1 })
  score: number;

  @ApiProperty({ enum: ['rules', 'provider'] })
  source: 'rules' | 'provider';

  @ApiProperty({ required: false, description: 'Text around the evidence (rules only)' })
  excerpt?: string;
}

export class QueueCharacterDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  slug: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ format: 'uuid' })
  owner_id: string;

  @ApiProperty()
  is_public: boolean;

  @ApiProperty({ enum: ['clear', 'pending', 'rejected'] })
  moderation_status: string;

  @ApiProperty()
  taken_down: boolean;

  @ApiProperty()
  deleted: boolean;
}

export class QueueMessageDto {
  @ApiProperty({ description: 'The message id' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  chat_id: string;

  @ApiProperty({ enum: ['input', 'output'], description: "The user's message or the model's" })
  stage: string;
}

export class QueueReportDto {
  @ApiProperty()
  reason: string;

  @ApiProperty()
  details: string;

  @ApiProperty({ format: 'uuid' })
  reporter_id: string;
}

export class QueueDecisionDto {
  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  decided_by: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  decided_at: string | null;
}

/** One thing waiting for (or decided by) a moderator, whatever its kind. */
export class ModerationQueueItemDto {
  @ApiProperty({ enum: QUEUE_KINDS })
  kind: QueueKind;

  @ApiProperty({
    format: 'uuid',
    description:
      'What POST /admin/moderation/{kind}/{id}/decision takes: the character, the message ' +
      'flag, the report',
  })
  id: string;

  @ApiProperty({
    description:
      'Characters and messages: pending, approved, rejected, unpublished, deleted, withdrawn ' +
      '(by the owner), none (never held); reports: pending, reviewed, dismissed',
  })
  status: string;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  @ApiProperty({ minimum: 0, maximum: 1, description: 'The highest score' })
  score: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'The highest score per category (reports: the rules on the character)',
  })
  scores: Partial<Record<ModerationCategory, number>>;

  @ApiProperty({ type: [ModerationHitDto] })
  hits: ModerationHitDto[];

  @ApiProperty({ description: 'Text around the strongest evidence' })
  excerpt: string;

  @ApiProperty({ type: QueueCharacterDto, nullable: true })
  character: QueueCharacterDto | null;

  @ApiProperty({ type: QueueMessageDto, nullable: true })
  message: QueueMessageDto | null;

  @ApiProperty({ type: QueueReportDto, nullable: true })
  report: QueueReportDto | null;

  @ApiProperty({ type: QueueDecisionDto, nullable: true })
  decision: QueueDecisionDto | null;
}

export class ModerationQueuePageDto {
  @ApiProperty({ type: [ModerationQueueItemDto] })
  items: ModerationQueueItemDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}
