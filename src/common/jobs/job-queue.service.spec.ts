import { describe, expect, it } from '@jest/globals';
import { QueuedKeys, retryDelayMs } from './job-queue.service.js';

describe('retryDelayMs', () => {
  const lowest = () => 0;
  const highest = () => 1;

  it('doubles from 5 s, each delay jittered over the upper half of its step', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, lowest))).toEqual([
      2_500, 5_000, 10_000, 20_000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, highest))).toEqual([
      5_000, 10_000, 20_000, 40_000,
    ]);
    expect(retryDelayMs(2, () => 0.5)).toBe(7_500);
  });

  it('stops growing at an hour', () => {
    expect(retryDelayMs(30, highest)).toBe(60 * 60_000);
    expect(retryDelayMs(30, lowest)).toBe(30 * 60_000);
  });

  it('spreads jobs that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(3)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(10_000);
      expect(delay).toBeLessThanOrEqual(20_000);
    }
  });
});

describe('QueuedKeys', () => {
  let now = 0;
  const keys = new QueuedKeys(() => now);
  const key = keys.keyOf('memory.extract', 'chat-1');

  it('holds a key until a second before its job is due, then lets it be queued again', () => {
    now = 0;
    keys.remember(key, 60_000);
    expect(keys.waiting(key)).toBe(true);
    now = 58_999;
    expect(keys.waiting(key)).toBe(true);
    now = 59_000;
    expect(keys.waiting(key)).toBe(false);
  });

  it('never holds a job due within the clock margin', () => {
    now = 0;
    keys.remember(key, 1_000);
    expect(keys.waiting(key)).toBe(false);
  });

  it('forgets a key whose job runs now', () => {
    now = 0;
    keys.remember(key, 60_000);
    keys.forget(key);
    expect(keys.waiting(key)).toBe(false);
  });

  it('keeps keys of other types and chats apart', () => {
    now = 0;
    keys.remember(key, 60_000);
    expect(keys.waiting(keys.keyOf('memory.extract', 'chat-2'))).toBe(false);
    expect(keys.waiting(keys.keyOf('chat.summary', 'chat-1'))).toBe(false);
  });
});
