import type { RowChangeFeed, WatchedTable } from './row-change-feed.js';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A short per-instance copy of rows by id that RowChangeFeed empties when one changes on any
 * instance. The TTL only bounds memory and a missed notification's reach; correctness comes
 * from the feed. While the feed is down every read goes to the database.
 *
 * A read that started before an invalidation may end after it holding the old row: it is
 * returned (it was true when read) but not kept — the generation counts invalidations.
 */
export class RowCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private generation = 0;

  constructor(
    private readonly feed: RowChangeFeed,
    table: WatchedTable,
    private readonly options: { ttlMs: number; maxEntries: number; now?: () => number },
  ) {
    feed.onChange(table, (id) => this.invalidate(id));
    feed.onReset(() => this.clear());
  }

  async get(id: string, load: (id: string) => Promise<V>): Promise<V> {
    const now = this.now();
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt > now && this.feed.live) return entry.value;
    const generation = this.generation;
    const value = await load(id);
    if (generation === this.generation && this.feed.live) this.keep(id, value, this.now());
    return value;
  }

  invalidate(id: string): void {
    this.generation++;
    this.entries.delete(id);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  private keep(id: string, value: V, now: number): void {
    // Oldest first out: a Map iterates in insertion order, and a refreshed entry re-enters last.
    this.entries.delete(id);
    if (this.entries.size >= this.options.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(id, { value, expiresAt: now + this.options.ttlMs });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
