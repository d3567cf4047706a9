import { describe, expect, it } from '@jest/globals';
import { type CacheOutcome, ResponseCache } from './response-cache.js';

function cacheWithClock(options: { ttlMs?: number; maxBytes?: number; maxEntries?: number } = {}) {
  // Not 0: lru-cache reads a start time of 0 as "no TTL".
  const clock = { now: 1000 };
  const outcomes: CacheOutcome[] = [];
  const cache = new ResponseCache({
    ttlMs: options.ttlMs ?? 5000,
    maxBytes: options.maxBytes ?? 1024 * 1024,
    maxEntries: options.maxEntries ?? 100,
    onLookup: (outcome) => outcomes.push(outcome),
    now: () => clock.now,
  });
  return { cache, clock, outcomes };
}

/** A build that resolves when told to. */
function deferred(body: string) {
  let resolve!: () => void;
  const started = new Promise<void>((r) => (resolve = r));
  return { build: () => started.then(() => body), finish: () => resolve() };
}

describe('ResponseCache', () => {
  it('builds once, then answers from memory with a strong ETag of the body', async () => {
    const { cache, outcomes } = cacheWithClock();
    let builds = 0;
    const build = async () => `{"n":${++builds}}`;
    const first = await cache.remember('k', build);
    const second = await cache.remember('k', build);
    expect(second).toBe(first);
    expect(first.body).toBe('{"n":1}');
    expect(first.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(outcomes).toEqual(['miss', 'hit']);
  });

  it('builds again once the TTL has passed', async () => {
    const { cache, clock } = cacheWithClock({ ttlMs: 5000 });
    let builds = 0;
    const build = async () => String(++builds);
    await cache.remember('k', build);
    clock.now += 4999;
    expect((await cache.remember('k', build)).body).toBe('1');
    clock.now += 2;
    expect((await cache.remember('k', build)).body).toBe('2');
  });

  it('lets concurrent misses of one key share one build, and keeps no failure', async () => {
    const { cache, outcomes } = cacheWithClock();
    const slow = deferred('body');
    const both = Promise.all([cache.remember('k', slow.build), cache.remember('k', slow.build)]);
    slow.finish();
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(outcomes).toEqual(['miss', 'joined']);

    const failing = () => Promise.reject(new Error('database down'));
    await expect(cache.remember('f', failing)).rejects.toThrow('database down');
    expect((await cache.remember('f', async () => 'ok')).body).toBe('ok');
  });

  it('does not keep what a build started before an invalidation returns', async () => {
    const { cache } = cacheWithClock();
    const old = deferred('before the change');
    const stale = cache.remember('k', old.build);
    cache.invalidate();
    // A request after the change does not join the build that read the old data.
    const fresh = cache.remember('k', async () => 'after the change');
    old.finish();
    expect((await stale).body).toBe('before the change');
    expect((await fresh).body).toBe('after the change');
    expect((await cache.remember('k', async () => 'rebuilt')).body).toBe('after the change');
  });

  it('drops everything on invalidate', async () => {
    const { cache } = cacheWithClock();
    await cache.remember('a', async () => 'A');
    cache.invalidate();
    expect(cache.size.entries).toBe(0);
    expect((await cache.remember('a', async () => 'A2')).body).toBe('A2');
  });

  it('builds every time while disabled, keeping nothing', async () => {
    const { cache, outcomes } = cacheWithClock();
    cache.enabled = false;
    await cache.remember('k', async () => 'one');
    expect((await cache.remember('k', async () => 'two')).body).toBe('two');
    expect(cache.size.entries).toBe(0);
    expect(outcomes).toEqual(['bypass', 'bypass']);
  });

  it('stays within its byte and entry caps, least recently used first', async () => {
    const body = 'x'.repeat(10_000);
    const { cache } = cacheWithClock({ maxBytes: 100_000, maxEntries: 1000 });
    for (let i = 0; i < 50; i++) await cache.remember(`k${i}`, async () => body);
    expect(cache.size.bytes).toBeLessThanOrEqual(100_000);
    expect(cache.size.entries).toBe(4);
    // The newest are kept.
    expect((await cache.remember('k49', async () => 'rebuilt')).body).toBe(body);
    expect((await cache.remember('k0', async () => 'rebuilt')).body).toBe('rebuilt');

    const small = cacheWithClock({ maxEntries: 3 }).cache;
    for (let i = 0; i < 10; i++) await small.remember(`k${i}`, async () => 'b');
    expect(small.size.entries).toBe(3);
  });
});
