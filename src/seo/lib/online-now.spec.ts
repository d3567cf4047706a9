import { describe, expect, it } from '@jest/globals';
import { ONLINE_WINDOW_MS, onlineNow } from './online-now.js';

describe('onlineNow', () => {
  const windowStart = Math.floor(Date.UTC(2025, 0, 1, 12) / ONLINE_WINDOW_MS) * ONLINE_WINDOW_MS;

  it('stays the same throughout a 5-minute window', () => {
    const value = onlineNow(windowStart);
    for (const offset of [1, 60_000, 150_000, ONLINE_WINDOW_MS - 1]) {
      expect(onlineNow(windowStart + offset)).toBe(value);
    }
  });

  it('stays within 15–45 and moves between windows', () => {
    const values = Array.from({ length: 288 }, (_, i) =>
      onlineNow(windowStart + i * ONLINE_WINDOW_MS),
    );
    expect(Math.min(...values)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...values)).toBeLessThanOrEqual(45);
    expect(new Set(values).size).toBeGreaterThan(20);
  });

  it('is the MD5 of the window number mapped onto 15–45', () => {
    // md5("0") = cfcd2084…
    expect(onlineNow(0)).toBe(15 + (0xcfcd2084 % 31));
  });
});
