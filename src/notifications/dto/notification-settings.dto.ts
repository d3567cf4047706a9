import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { NotificationSettings } from '../notification-settings.repository.js';
import { NOTIFICATION_TYPES, type NotificationType } from '../notification-types.js';

export class NotificationSettingsDto {
  @ApiProperty({
    enum: NOTIFICATION_TYPES,
    isArray: true,
    description: 'Types I do not want (nothing of them is stored or pushed)',
  })
  muted_types: NotificationType[];

  @ApiProperty({
    description: 'A weekly email of my unread notifications and proactive messages',
  })
  weekly_digest: boolean;

  @ApiProperty({
    description: 'A daily email about my public characters (new favorites, forks, votes, chats)',
  })
  creator_digest: boolean;

  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone of my quiet hours' })
  time_zone: string;

  @ApiProperty({ minimum: 0, maximum: 23, description: 'Quiet hours start (local hour)' })
  quiet_start: number;

  @ApiProperty({
    minimum: 0,
    maximum: 23,
    description: 'Quiet hours end (local hour, not quiet itself); equal to start: none',
  })
  quiet_end: number;
}

/** What to change: a field left out stays as it is. */
export class UpdateNotificationSettingsDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @IsIn(NOTIFICATION_TYPES, { each: true })
  muted_types?: NotificationType[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  weekly_digest?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  creator_digest?: boolean;

  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  time_zone?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 23 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(23)
  quiet_start?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 23 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(23)
  quiet_end?: number;
}

export const toNotificationSettingsDto = (
  settings: NotificationSettings,
): NotificationSettingsDto => ({
  muted_types: settings.mutedTypes,
  weekly_digest: settings.weeklyDigest,
  creator_digest: settings.creatorDigest,
  time_zone: settings.timeZone,
  quiet_start: settings.quietStart,
  quiet_end: settings.quietEnd,
});

export class UnsubscribedDto {
  @ApiProperty({ enum: ['weekly', 'creator_daily'] })
  unsubscribed: 'weekly' | 'creator_daily';
}
