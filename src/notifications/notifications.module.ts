import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { DigestService } from './digest.service.js';
import { NotificationRepository } from './notification.repository.js';
import { NotificationSettingsRepository } from './notification-settings.repository.js';
import { NotificationSignals } from './notification-signals.js';
import { NotificationStreamTickets } from './notification-stream-tickets.js';
import { NotificationStreams } from './notification-streams.js';
import {
  NotificationSettingsController,
  NotificationsController,
} from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';
import { SignalsModule } from '../common/signals/pg-channels.service.js';

/**
 * Notifications, their live stream and the digest mails. Imports no feature module (AuthModule
 * for stream tickets' JWT key and users, LlmModule for its Clock): characters, moderation, admin and chat raise through
 * NotificationsService with ids and public names.
 */
@Module({
  imports: [AuthModule, LlmModule, SignalsModule],
  controllers: [NotificationsController, NotificationSettingsController],
  providers: [
    NotificationRepository,
    NotificationSettingsRepository,
    NotificationSignals,
    NotificationStreams,
    NotificationStreamTickets,
    NotificationsService,
    DigestService,
  ],
  exports: [NotificationsService, DigestService],
})
export class NotificationsModule {}
