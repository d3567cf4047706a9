import { describe, expect, it } from '@jest/globals';
import {
  backoffMs,
  LOGIN_FAILURES_FORGOTTEN_MS,
  type LoginAttemptState,
  takeAttempt,
} from './login-backoff.policy.js';

const RULES = { backoffAfter: 5, lockoutAt: 10, lockoutMs: 15 * 60_000 };

/** Attempts at the given times (ms), each failing: what each one was told. */
function attempts(times: number[]): Array<'ok' | number> {
  let state: LoginAttemptState | null = null;
  return times.map((now) => {
    const outcome = takeAttempt(state, now, RULES);
    if (!outcome.allowed) return outcome.blockedUntil - now;
    state = outcome.state;
    return 'ok';
  });
}

describe('login backoff', () => {
  it('waits 1 s after the 5th failure, doubling, and locks at the 10th', () => {
    expect([1, 4, 5, 6, 9, 10, 11].map((failures) => backoffMs(failures, RULES))).toEqual([
      0, 0, 1000, 2000, 16_000, 900_000, 900_000,
    ]);
  });

  it('refuses an attempt before its time without counting it', () => {
    // Five at once pass; the sixth at the same moment waits the second the fifth set.
    expect(attempts([0, 0, 0, 0, 0, 0, 999, 1000, 1000])).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      1000,
      1,
      'ok',
      2000,
    ]);
  });

  it('never caps the backoff past the lockout', () => {
    expect(backoffMs(7, { backoffAfter: 1, lockoutAt: 100, lockoutMs: 5000 })).toBe(5000);
  });

  it('says whether a refusal is the lockout', () => {
    let state: LoginAttemptState | null = null;
    for (let i = 0; i < 10; i++) {
      const outcome = takeAttempt(state, i * 60_000, RULES);
      if (!outcome.allowed) throw new Error(`attempt ${i} refused`);
      state = outcome.state;
    }
    expect(takeAttempt(state, 9 * 60_000 + 1, RULES)).toEqual({
      allowed: false,
      blockedUntil: 9 * 60_000 + 900_000,
      locked: true,
    });
    expect(takeAttempt(state, 5 * 60_000, { ...RULES, lockoutAt: 20 })).toMatchObject({
      locked: false,
    });
  });

  it('forgets failures after a day without an attempt', () => {
    const state = { failures: 9, lastAttemptAt: 0, blockedUntil: 16_000 };
    const outcome = takeAttempt(state, LOGIN_FAILURES_FORGOTTEN_MS, RULES);
    expect(outcome).toMatchObject({ allowed: true, state: { failures: 1 } });
  });
});
