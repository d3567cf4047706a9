/** How failed sign-ins to one account are slowed and locked (settings login_*). */
export interface LoginBackoffRules {
  /** Failures after which each next attempt waits 1 s, doubling with every failure. */
  backoffAfter: number;
  /** Failures at which the account is locked for lockoutMs, again after each failure. */
  lockoutAt: number;
  lockoutMs: number;
}

/** What is kept per account between attempts. */
export interface LoginAttemptState {
  /** Attempts since the last success, each counted as failed until it succeeds. */
  failures: number;
  lastAttemptAt: number;
  /** No attempt is taken before this time (ms). */
  blockedUntil: number;
}

/** An attempt refused: when the account may try again, and whether it is the lockout. */
export interface AttemptRefused {
  allowed: false;
  blockedUntil: number;
  locked: boolean;
}

export type AttemptOutcome = { allowed: true; state: LoginAttemptState } | AttemptRefused;

/** Failures forgotten after a day without an attempt: a forgotten password now and then never locks. */
export const LOGIN_FAILURES_FORGOTTEN_MS = 24 * 3_600_000;

/** How long the next attempt must wait after `failures` failures. */
export function backoffMs(failures: number, rules: LoginBackoffRules): number {
  if (failures >= rules.lockoutAt) return rules.lockoutMs;
  if (failures < rules.backoffAfter) return 0;
  return Math.min(1000 * 2 ** (failures - rules.backoffAfter), rules.lockoutMs);
}

/**
 * One sign-in attempt at `now`: refused while the account waits (backoff or lockout), else
 * taken and counted as a failure in advance, so attempts racing in parallel cannot all slip
 * through before any failure is written; a success clears the state. The Redis store runs the
 * same steps in Lua (login-attempt.store.ts).
 */
export function takeAttempt(
  previous: LoginAttemptState | null,
  now: number,
  rules: LoginBackoffRules,
): AttemptOutcome {
  if (previous && previous.blockedUntil > now) {
    return {
      allowed: false,
      blockedUntil: previous.blockedUntil,
      locked: previous.failures >= rules.lockoutAt,
    };
  }
  const remembered =
    previous && now - previous.lastAttemptAt < LOGIN_FAILURES_FORGOTTEN_MS ? previous.failures : 0;
  const failures = remembered + 1;
  return {
    allowed: true,
    state: { failures, lastAttemptAt: now, blockedUntil: now + backoffMs(failures, rules) },
  };
}
