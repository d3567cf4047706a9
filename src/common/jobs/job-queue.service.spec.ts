import { describe, expect, it } from '@jest/globals';
import { retryDelayMs } from './job-queue.service.js';

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
