import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { NotificationRow } from '../notification.repository.js';
import {
  NOTIFICATION_TYPES,
  type NotificationMetadata,
  type NotificationType,
} from '../notification-types.js';

export const MAX_NOTIFICATION_PAGE_SIZE = 50;

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** GET /api/notifications query string. */
export class NotificationQueryDto {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,15}$/, { message: 'cursor must be a next_cursor from a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only unread notifications' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  unread?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_NOTIFICATION_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_NOTIFICATION_PAGE_SIZE)
  limit?: number;
}

/** POST /api/notifications/stream-ticket. */
export class NotificationStreamTicketDto {
  @ApiProperty({
    description:
      'Pass as `?ticket=` to GET /api/notifications/stream: my notifications only, valid one minute',
  })
  ticket: string;

  @ApiProperty({ format: 'date-time', description: 'When the ticket stops being accepted' })
  expires_at: string;
}

/** The query of GET /api/notifications/stream, for clients that cannot send headers. */
export class NotificationStreamQueryDto {
  @ApiPropertyOptional({
    description:
      'A stream ticket (POST /api/notifications/stream-ticket), instead of Authorization: for ' +
      'EventSource. Access tokens are never accepted here.',
  })
  @IsOptional()
  @IsString()
  // A ticket is a few hundred characters; anything far longer is not one.
  @MaxLength(2048)
  ticket?: string;
}

export class NotificationDto {
  @ApiProperty({ example: '42', description: 'Numeric id, as a string' })
  id: string;

  @ApiProperty({ enum: NOTIFICATION_TYPES })
  type: NotificationType;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What it is about: ids and public names (character_id, character_name, chat_id, ' +
      'message_id, count, milestone, status, decision, reason, excerpt), never private data ' +
      'of anyone else',
  })
  metadata: NotificationMetadata;

  @ApiProperty({ description: 'Events folded into it (forks or favorites of a day), else 1' })
  count: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  read_at: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Last event folded in' })
  updated_at: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] })
  items: NotificationDto[];

  @ApiProperty({ description: 'All my unread notifications (not only this page)' })
  unread_count: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last one',
  })
  next_cursor: string | null;
}

export class NotificationsReadDto {
  @ApiProperty({ description: 'How many were unread and are read now' })
  marked: number;

  @ApiProperty({ description: 'Unread left (0)' })
  unread_count: number;
}

/** First event of the notification stream. */
export class NotificationReadyEventDto {
  @ApiProperty({ enum: ['ready'] })
  type: 'ready';

  @ApiProperty()
  unread_count: number;
}

/** A notification just stored (a batched one again when another event joined it). */
export class NotificationEventDto {
  @ApiProperty({ enum: ['notification'] })
  type: 'notification';

  @ApiProperty({ type: NotificationDto })
  notification: NotificationDto;
}

export type NotificationStreamEvent =
  { type: 'ready'; unread_count: number } | { type: 'notification'; notification: NotificationDto };

export const NOTIFICATION_EVENTS = {
  ready: NotificationReadyEventDto,
  notification: NotificationEventDto,
};

export const toNotificationDto = (row: NotificationRow): NotificationDto => ({
  id: String(row.id),
  type: row.type,
  metadata: row.metadata,
  count: row.count,
  read_at: row.read_at ? new Date(row.read_at).toISOString() : null,
  created_at: new Date(row.created_at).toISOString(),
  updated_at: new Date(row.updated_at).toISOString(),
});
