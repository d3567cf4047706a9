import { Injectable } from '@nestjs/common';
import { CatalogueMaintenanceService } from '../../characters/catalogue-maintenance.service.js';
import { PageViewsService } from '../../characters/page-views.service.js';
import { DAY_MS, type AutonomousTask, type TaskResult } from '../autonomous-task.js';

export const PAGE_VIEW_RETENTION_DAYS = 90;
/** Younger avatar files may belong to an upload whose character row is not written yet. */
export const ORPHAN_AVATAR_MIN_AGE_MS = 60 * 60_000;

/** Daily: old page views and avatar files nothing refers to (spec: cleanup.py). */
@Injectable()
export class CleanupTask implements AutonomousTask {
  readonly name = 'cleanup';
  readonly description = `Deletes page views older than ${PAGE_VIEW_RETENTION_DAYS} days and orphaned avatar files`;
  readonly intervalMs = DAY_MS;

  constructor(
    private readonly pageViews: PageViewsService,
    private readonly catalogue: CatalogueMaintenanceService,
  ) {}

  async run(): Promise<TaskResult> {
    return {
      page_views_deleted: await this.pageViews.deleteOlderThan(PAGE_VIEW_RETENTION_DAYS),
      avatars_deleted: await this.catalogue.removeOrphanAvatars(ORPHAN_AVATAR_MIN_AGE_MS),
    };
  }
}
