import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { Clock } from '../llm/clock.js';
import {
  type NotificationDto,
  type NotificationPageDto,
  type NotificationQueryDto,
  type NotificationsReadDto,
  toNotificationDto,
} from './dto/notification.dto.js';
import {
  type NotificationSettingsDto,
  toNotificationSettingsDto,
  type UpdateNotificationSettingsDto,
} from './dto/notification-settings.dto.js';
import { NotificationRepository } from './notification.repository.js';
import {
  type NotificationSettings,
  NotificationSettingsRepository,
} from './notification-settings.repository.js';
import { NotificationSignals } from './notification-signals.js';
import {
  milestoneReached,
  type NotificationMetadata,
  type NotificationType,
} from './notification-types.js';
import { isTimeZone } from './quiet-hours.js';
import { cursorPage } from '../common/pagination.js';

/** A character as notifications name it: its id and public name, nothing else. */
/** What moderation did to a character (`character_moderated`'s `decision`). */
export type CharacterModeration = 'unpublished' | 'rejected' | 'held_for_review';

export interface CharacterRef {
  id: string;
  name: string;
}

/** How a raise folds into earlier ones. */
interface RaiseOptions {
  /** One row per key; default: a row per event. */
  batchKey?: string;
  /** With a key: later events add to its count (default), or change nothing (`once`). */
  once?: boolean;
}

const utcDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * Notifications (issue #21): raised by the modules where things happen, through the helpers
 * below (they pass ids and public names, so this module imports none of them), stored, and
 * pushed to the user's open streams on every instance. Raising never fails the caller's
 * action: a failure is logged.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    private readonly notifications: NotificationRepository,
    private readonly settings: NotificationSettingsRepository,
    private readonly signals: NotificationSignals,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /** Someone else forked my public character: one notification per character per day. */
  characterForked(ownerId: string, character: CharacterRef, by: string): Promise<void> {
    if (ownerId === by) return Promise.resolve();
    return this.raise(ownerId, 'character_forked', characterMetadata(character), {
      batchKey: `${character.id}:${utcDay(this.clock.now())}`,
    });
  }

  /** Someone else made my public character a favorite: one per character per day. */
  characterFavorited(ownerId: string, character: CharacterRef, by: string): Promise<void> {
    if (ownerId === by) return Promise.resolve();
    return this.raise(ownerId, 'character_favorited', characterMetadata(character), {
      batchKey: `${character.id}:${utcDay(this.clock.now())}`,
    });
  }

  /** A vote moved my character's score from `before` to `after`: each milestone once ever. */
  voteScoreChanged(
    ownerId: string,
    character: CharacterRef,
    before: number,
    after: number,
  ): Promise<void> {
    const milestone = milestoneReached(before, after);
    if (milestone === null) return Promise.resolve();
    return this.raise(
      ownerId,
      'vote_milestone',
      { ...characterMetadata(character), milestone },
      { batchKey: `${character.id}:${milestone}`, once: true },
    );
  }

  /** A report on my character was decided (`status`), and whether it was taken down. */
  reportDecided(
    ownerId: string,
    character: CharacterRef,
    decision: { reportId: string; status: string; unpublished: boolean },
  ): Promise<void> {
    return this.raise(ownerId, 'report_decided', {
      ...characterMetadata(character),
      report_id: decision.reportId,
      status: decision.status,
      unpublished: decision.unpublished,
    });
  }

  /**
   * Moderation unpublished or rejected my character, or took my listed character out of the
   * catalogue until a moderator reviews it (`held_for_review`, an edit's automatic screening),
   * for `reason`.
   */
  characterModerated(
    ownerId: string,
    character: CharacterRef,
    decision: CharacterModeration,
    reason: string | null,
  ): Promise<void> {
    return this.raise(ownerId, 'character_moderated', {
      ...characterMetadata(character),
      decision,
      reason,
    });
  }

  /** A reply of my chat was saved after every client had left. */
  replyReady(
    userId: string,
    reply: { chatId: string; messageId: number; character: CharacterRef },
  ): Promise<void> {
    return this.raise(userId, 'reply_ready', {
      chat_id: reply.chatId,
      message_id: reply.messageId,
      ...characterMetadata(reply.character),
    });
  }

  /** A character wrote first in my chat. */
  proactiveMessage(
    userId: string,
    message: { chatId: string; messageId: number; character: CharacterRef; excerpt: string },
  ): Promise<void> {
    return this.raise(userId, 'proactive_message', {
      chat_id: message.chatId,
      message_id: message.messageId,
      ...characterMetadata(message.character),
      excerpt: message.excerpt,
    });
  }

  /** Stores and pushes a notification; never throws. */
  async raise(
    userId: string,
    type: NotificationType,
    metadata: NotificationMetadata,
    options: RaiseOptions = {},
  ): Promise<void> {
    try {
      const row = await this.notifications.insert({
        userId,
        type,
        metadata,
        batchKey: options.batchKey ?? null,
        accumulate: !options.once,
      });
      if (!row) return;
      this.metrics.notifications.notificationRaised(type);
      await this.signals.publish({ user: userId, notification: toNotificationDto(row) });
    } catch (error) {
      this.logger.error(`Notification ${type} for ${userId} not raised: ${messageOf(error)}`);
    }
  }

  async list(user: AuthUser, query: NotificationQueryDto): Promise<NotificationPageDto> {
    const limit = query.limit ?? 20;
    const [rows, unread] = await Promise.all([
      this.notifications.page(user.id, query.cursor ?? null, query.unread === true, limit),
      this.notifications.unreadCount(user.id),
    ]);
    const { shown, nextCursor } = cursorPage(rows, limit, (last) => last.id);
    return {
      items: shown.map(toNotificationDto),
      unread_count: unread,
      next_cursor: nextCursor,
    };
  }

  unreadCount(userId: string): Promise<number> {
    return this.notifications.unreadCount(userId);
  }

  /** 404 for an id that is not one of my notifications (someone else's included). */
  async markRead(user: AuthUser, id: string): Promise<NotificationDto> {
    const row = /^[1-9]\d{0,15}$/.test(id)
      ? await this.notifications.markRead(user.id, id)
      : undefined;
    if (!row) throw new NotFoundException('Notification not found');
    return toNotificationDto(row);
  }

  async markAllRead(user: AuthUser): Promise<NotificationsReadDto> {
    return { marked: await this.notifications.markAllRead(user.id), unread_count: 0 };
  }

  /** A user's settings as other modules read them (proactive messages: quiet hours). */
  settingsOf(userId: string): Promise<NotificationSettings> {
    return this.settings.find(userId);
  }

  async getSettings(user: AuthUser): Promise<NotificationSettingsDto> {
    return toNotificationSettingsDto(await this.settings.find(user.id));
  }

  async updateSettings(
    user: AuthUser,
    dto: UpdateNotificationSettingsDto,
  ): Promise<NotificationSettingsDto> {
    if (dto.time_zone !== undefined && !isTimeZone(dto.time_zone)) {
      throw new BadRequestException(
        `time_zone must be an IANA time zone such as Europe/Berlin, not '${dto.time_zone}'`,
      );
    }
    const current = await this.settings.find(user.id);
    const next = {
      mutedTypes: dto.muted_types ? [...new Set(dto.muted_types)] : current.mutedTypes,
      weeklyDigest: dto.weekly_digest ?? current.weeklyDigest,
      creatorDigest: dto.creator_digest ?? current.creatorDigest,
      timeZone: dto.time_zone ?? current.timeZone,
      quietStart: dto.quiet_start ?? current.quietStart,
      quietEnd: dto.quiet_end ?? current.quietEnd,
    };
    await this.settings.save(user.id, next);
    return toNotificationSettingsDto(next);
  }
}

const characterMetadata = (character: CharacterRef): NotificationMetadata => ({
  character_id: character.id,
  character_name: character.name,
});

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
