import { LRUCache } from 'lru-cache';
import { strongEtag } from '../../common/http/etag.js';

/** A response body as sent, with its strong ETag (the body's SHA-256). */
export interface CachedResponse {
  body: string;
  etag: string;
}

export type CacheOutcome = 'hit' | 'joined' | 'miss' | 'bypass';

export interface ResponseCacheOptions {
  ttlMs: number;
  maxBytes: number;
  maxEntries: number;
  /** Told how each lookup went (metrics). */
  onLookup?: (outcome: CacheOutcome) => void;
  /** The clock entries expire by (tests); performance.now by default. */
  now?: () => number;
}

/** Bookkeeping per entry besides its body (the key, the entry object, the LRU's slots). */
const ENTRY_OVERHEAD_BYTES = 200;

const toCached = (body: string): CachedResponse => ({ body, etag: strongEtag(body) });

/**
 * Finished response bodies by key, in memory: at most `maxEntries` and about `maxBytes`
 * (least recently used go first), each for `ttlMs`. Concurrent misses of one key share one
 * build, and `invalidate()` drops everything, including what builds that started before it
 * return (they may have read the old data). While `enabled` is false every call builds.
 */
export class ResponseCache {
  private readonly entries: LRUCache<string, CachedResponse>;
  private readonly building = new Map<string, Promise<CachedResponse>>();
  private generation = 0;
  enabled = true;

  constructor(private readonly options: ResponseCacheOptions) {
    const now = options.now;
    this.entries = new LRUCache<string, CachedResponse>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // V8 keeps a one-byte string at a byte per character, other text at two.
      sizeCalculation: (entry, key) =>
        2 * (entry.body.length + key.length) + entry.etag.length + ENTRY_OVERHEAD_BYTES,
      ttl: Math.max(options.ttlMs, 1),
      // Read the clock on every lookup: no timer, and an entry never outlives its TTL.
      ttlResolution: 0,
      ...(now ? { perf: { now } } : {}),
    });
  }

  async remember(key: string, build: () => Promise<string>): Promise<CachedResponse> {
    const outcome = this.options.onLookup ?? (() => undefined);
    if (!this.enabled) {
      outcome('bypass');
      return toCached(await build());
    }
    const hit = this.entries.get(key);
    if (hit) {
      outcome('hit');
      return hit;
    }
    const pending = this.building.get(key);
    if (pending) {
      outcome('joined');
      return pending;
    }
    outcome('miss');
    const generation = this.generation;
    const built = build()
      .then((body) => {
        const entry = toCached(body);
        if (generation === this.generation && this.enabled) this.entries.set(key, entry);
        return entry;
      })
      .finally(() => {
        if (this.building.get(key) === built) this.building.delete(key);
      });
    this.building.set(key, built);
    return built;
  }

  invalidate(): void {
    this.generation++;
    this.entries.clear();
    this.building.clear();
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize };
  }
}
