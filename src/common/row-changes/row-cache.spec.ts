import { describe, expect, it } from '@jest/globals';
import { RowCache } from './row-cache.js';
import type { RowChangeFeed, WatchedTable } from './row-change-feed.js';

/** A feed the test drives: `change(id)` as a notification would, `drop()`/`back()` the link. */
function fakeFeed() {
  const changed: Array<(id: string) => void> = [];
  const resets: Array<() => void> = [];
  const feed = {
    live: true,
    onChange: (_table: WatchedTable, listener: (id: string) => void) => changed.push(listener),
    onReset: (reset: () => void) => resets.push(reset),
  };
  return {
    feed: feed as unknown as RowChangeFeed,
    change: (id: string) => changed.forEach((listener) => listener(id)),
    drop: () => {
      feed.live = false;
      resets.forEach((reset) => reset());
    },
    back: () => {
      feed.live = true;
      resets.forEach((reset) => reset());
    },
  };
}

/** A loader counting its reads, answering `version` of the row as it is when asked. */
function counting() {
  let version = 0;
  const reads: string[] = [];
  return {
    reads,
    bump: () => version++,
    load: (id: string) => {
      reads.push(id);
      return Promise.resolve(`${id}@${version}`);
    },
  };
}

describe('RowCache', () => {
  it('reads a row once per TTL, and again once it expires', async () => {
    let now = 0;
    const { feed } = fakeFeed();
    const cache = new RowCache<string>(feed, 'app_user', {
      ttlMs: 100,
      maxEntries: 10,
      now: () => now,
    });
    const db = counting();
    expect(await cache.get('a', db.load)).toBe('a@0');
    db.bump();
    now = 99;
    expect(await cache.get('a', db.load)).toBe('a@0');
    now = 100;
    expect(await cache.get('a', db.load)).toBe('a@1');
    expect(db.reads).toEqual(['a', 'a']);
  });

  it('reads a changed row anew at once, the others still from the copy', async () => {
    const { feed, change } = fakeFeed();
    const cache = new RowCache<string>(feed, 'app_user', { ttlMs: 60_000, maxEntries: 10 });
    const db = counting();
    await cache.get('a', db.load);
    await cache.get('b', db.load);
    db.bump();
    change('a');
    expect(await cache.get('a', db.load)).toBe('a@1');
    expect(await cache.get('b', db.load)).toBe('b@0');
    expect(db.reads).toEqual(['a', 'b', 'a']);
  });

  it('does not keep a row read before a change that arrived while it was read', async () => {
    const { feed, change } = fakeFeed();
    const cache = new RowCache<string>(feed, 'app_user', { ttlMs: 60_000, maxEntries: 10 });
    const db = counting();
    const racing = cache.get('a', (id) => {
      const read = db.load(id);
      db.bump();
      change('a');
      return read;
    });
    expect(await racing).toBe('a@0');
    expect(await cache.get('a', db.load)).toBe('a@1');
  });

  it('reads through while the feed is down, and forgets everything when it drops and returns', async () => {
    const { feed, drop, back } = fakeFeed();
    const cache = new RowCache<string>(feed, 'app_user', { ttlMs: 60_000, maxEntries: 10 });
    const db = counting();
    await cache.get('a', db.load);
    drop();
    await cache.get('a', db.load);
    await cache.get('a', db.load);
    back();
    await cache.get('a', db.load);
    await cache.get('a', db.load);
    expect(db.reads).toEqual(['a', 'a', 'a', 'a']);
  });

  it('keeps at most maxEntries rows, the oldest leaving first', async () => {
    const { feed } = fakeFeed();
    const cache = new RowCache<string>(feed, 'app_user', { ttlMs: 60_000, maxEntries: 2 });
    const db = counting();
    for (const id of ['a', 'b', 'c', 'b', 'a']) await cache.get(id, db.load);
    expect(db.reads).toEqual(['a', 'b', 'c', 'a']);
  });
});
