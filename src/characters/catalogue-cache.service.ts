import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { PgChannels } from '../common/signals/pg-channels.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { type CachedResponse, ResponseCache } from './lib/response-cache.js';

export type { CachedResponse };

/**
 * The channel the character table's triggers notify (migration CatalogueChanges) whenever a
 * change could alter what anonymous visitors see: any change of a listed character other than
 * its counters, a character published, unpublished, taken down or deleted.
 */
export const CATALOGUE_CHANGED_CHANNEL = 'catalogue_changed';

/** Entries beyond this count go first (least recently used), whatever their size. */
const MAX_ENTRIES = 10_000;

/**
 * Per-instance cache of what anonymous visitors and crawlers read most (catalogue pages, tag
 * filters, searches, SEO pages), as finished response bodies. Only responses that are the same
 * for every anonymous visitor may go in: callers key them by everything the response depends on
 * and never pass a signed-in user's view (AnonymousCatalogueInterceptor, SeoService).
 *
 * Freshness: an entry lives CATALOGUE_CACHE_TTL_MS (5 s), so counters (chats, votes, likes)
 * and the order they sort lag at most that long. Everything else is dropped at once, on every
 * instance: the character table's triggers NOTIFY `catalogue_changed` in the writing
 * transaction, each instance LISTENs and clears its whole cache when it arrives (a few ms after
 * the commit; the instance that wrote through CharactersService clears its own at once). A
 * response being built while a change lands is not kept, and while the LISTEN connection is
 * down (notifications could be missed) the cache is bypassed. Memory is bounded by
 * CATALOGUE_CACHE_MAX_MB and MAX_ENTRIES, least recently used first.
 */
@Injectable()
export class CatalogueCache implements OnApplicationShutdown {
  private readonly cache: ResponseCache;
  private closing = false;
  constructor(
    @InjectConfig() config: AppConfig,
    private readonly metrics: MetricsService,
    channels: PgChannels,
  ) {
    const { ttlMs, maxBytes } = config.catalogueCache;
    this.cache = new ResponseCache({
      ttlMs,
      maxBytes,
      maxEntries: MAX_ENTRIES,
      onLookup: (outcome) => metrics.catalogueCache.lookup(outcome),
    });
    // Off until the LISTEN is in place: before, a change could go unheard.
    this.cache.enabled = false;
    if (ttlMs > 0) {
      channels.subscribe(CATALOGUE_CHANGED_CHANNEL, {
        onNotification: () => this.invalidate(),
        onListening: (listening) => {
          // Whatever changed while nobody listened is unknown: start over either way.
          this.invalidate();
          this.cache.enabled = listening && !this.closing;
        },
      });
    }
  }

  onApplicationShutdown(): void {
    this.closing = true;
    this.cache.enabled = false;
  }

  /**
   * The cached response for `key`, else the one `build` makes (kept unless the catalogue
   * changed meanwhile). Concurrent calls for a key being built share that build; its failure
   * reaches all of them and nothing is kept.
   */
  remember(key: string, build: () => Promise<string>): Promise<CachedResponse> {
    return this.cache.remember(key, build);
  }

  /**
   * Drops every entry. The triggers' notifications call it on every instance; a write path
   * may call it too, so the instance that wrote does not wait for its own notification.
   */
  invalidate(): void {
    this.cache.invalidate();
    this.metrics.catalogueCache.invalidated();
  }

  /** Entries and their estimated bytes. */
  get size(): { entries: number; bytes: number } {
    return this.cache.size;
  }
}
