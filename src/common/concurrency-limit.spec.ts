import { describe, expect, it } from '@jest/globals';
import { ConcurrencyLimit } from './concurrency-limit.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ConcurrencyLimit', () => {
  it('runs at most max tasks at once, the rest in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    const runs = gates.map((gate, i) =>
      limit.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++active);
        await gate.promise;
        active--;
        return i;
      }),
    );

    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    expect(limit.queued).toBe(3);

    gates[1].resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);

    // A newcomer arriving as a slot frees up still queues behind the waiters.
    gates[0].resolve();
    runs.push(limit.run(async () => (started.push(5), 5)));
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });

  it('gives a slot at once or refuses, and a release hands the slot to a waiter once', async () => {
    const limit = new ConcurrencyLimit(1);
    const release = limit.tryAcquire();
    expect(release).toBeDefined();
    expect(limit.tryAcquire()).toBeUndefined();
    const gate = deferred();
    const waiting = limit.run(() => gate.promise);
    expect(limit.queued).toBe(1);
    release!();
    release!();
    expect(limit.queued).toBe(0);
    expect(limit.tryAcquire()).toBeUndefined();
    gate.resolve();
    await waiting;
    expect(limit.tryAcquire()).toBeDefined();
  });
});
