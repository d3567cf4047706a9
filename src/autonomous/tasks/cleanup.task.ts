import { Injectable } from '@nestjs/common';
import { LoginBackoffService } from '../../auth/login-backoff/login-backoff.service.js';
import { MessageQuotaService } from '../../auth/usage/message-quota.service.js';
import { ViolationService } from '../../auth/violations/violation.service.js';
import { JobQueue } from '../../common/jobs/job-queue.service.js';
import { CatalogueMaintenanceService } from '../../characters/catalogue-maintenance.service.js';
import { PageViewsService } from '../../characters/page-views.service.js';
import { GuestChatRetentionService } from '../../chat/guest-chat-retention.service.js';
import { DAY_MS, type AutonomousTask, type TaskResult } from '../autonomous-task.js';

export const PAGE_VIEW_RETENTION_DAYS = 90;
/** A guest session unused this long loses its message count (a new session has none either). */
export const GUEST_QUOTA_IDLE_DAYS = 30;
/** Younger avatar files may belong to an upload whose character row is not written yet. */
export const ORPHAN_AVATAR_MIN_AGE_MS = 60 * 60_000;
/** Finished background jobs stay this long for the admins to inspect, then go with their payloads. */
export const FINISHED_JOB_RETENTION_DAYS = 14;

/**
 * Daily: old page views and avatar files nothing refers to (spec: cleanup.py), message
 * counts of past days and idle guest sessions, and guest chats idle past the retention period
 * (setting guest_chat_retention_days), background jobs finished over
 * FINISHED_JOB_RETENTION_DAYS ago, and the violation scores and sign-in failure counts that no
 * longer count (each address an abuser rotates through would otherwise keep a row).
 */
@Injectable()
export class CleanupTask implements AutonomousTask {
  readonly name = 'cleanup';
  readonly description = `Deletes page views older than ${PAGE_VIEW_RETENTION_DAYS} days, orphaned avatar files (and re-encode copies a crash left), message counts of past days and of guests idle for ${GUEST_QUOTA_IDLE_DAYS} days, guest chats idle past guest_chat_retention_days, background jobs finished over ${FINISHED_JOB_RETENTION_DAYS} days ago, and violation scores and sign-in failure counts past forgetting`;
  readonly intervalMs = DAY_MS;

  constructor(
    private readonly pageViews: PageViewsService,
    private readonly catalogue: CatalogueMaintenanceService,
    private readonly quota: MessageQuotaService,
    private readonly guestChats: GuestChatRetentionService,
    private readonly jobs: JobQueue,
    private readonly violations: ViolationService,
    private readonly loginBackoff: LoginBackoffService,
  ) {}

  async run(): Promise<TaskResult> {
    const result = {
      page_views_deleted: await this.pageViews.deleteOlderThan(PAGE_VIEW_RETENTION_DAYS),
      avatars_deleted: await this.catalogue.removeOrphanAvatars(ORPHAN_AVATAR_MIN_AGE_MS),
      message_counts_deleted: await this.quota.deleteStale(GUEST_QUOTA_IDLE_DAYS),
    };
    const guest = await this.guestChats.deleteIdle();
    return {
      ...result,
      guest_chats_deleted: guest.chats,
      guest_chat_credits_deleted: guest.credits,
      finished_jobs_deleted: await this.jobs.deleteFinishedOlderThan(FINISHED_JOB_RETENTION_DAYS),
      violation_scores_deleted: await this.violations.forgetStale(),
      login_failures_deleted: await this.loginBackoff.forgetStale(),
    };
  }
}
