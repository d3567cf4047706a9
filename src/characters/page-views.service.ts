import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Language } from '../common/languages.js';
import { type PageView, PageViewsRepository } from './page-views.repository.js';

/** Views are written in batches at most this long after they happen. */
const FLUSH_DELAY_MS = 5_000;
/** A stalled database must not grow memory without bound: views beyond this are dropped. */
const MAX_BUFFERED = 5_000;

/**
 * Records views of character pages (spec: page_views, cleaned after 90 days). Recording is
 * fire-and-forget: it only appends to a buffer, so a page request never waits for or fails
 * on it; the buffer goes to the database in one statement a few seconds later.
 */
@Injectable()
export class PageViewsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PageViewsService.name);
  private buffer: PageView[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly views: PageViewsRepository) {}

  record(characterId: string, lang?: Language): void {
    if (this.buffer.length >= MAX_BUFFERED) return;
    this.buffer.push({ characterId, lang: lang ?? null, viewedAt: new Date() });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS).unref();
  }

  /** Writes the buffered views now; never throws (a lost batch of views is only logged). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    if (batch.length === 0) return;
    this.buffer = [];
    await this.views
      .insertMany(batch)
      .catch((error: unknown) =>
        this.logger.warn(`${batch.length} page view(s) not recorded: ${(error as Error).message}`),
      );
  }

  /** Deletes views older than `days` days; returns how many. */
  deleteOlderThan(days: number): Promise<number> {
    return this.views.deleteBefore(new Date(Date.now() - days * 24 * 60 * 60_000));
  }

  // Before the connection pool closes (TypeORM closes it on application shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
