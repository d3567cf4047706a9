import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { describeError } from '../../common/lifecycle/describe-error.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import {
  type AttemptRefused,
  LOGIN_FAILURES_FORGOTTEN_MS,
  type LoginAttemptState,
  type LoginBackoffRules,
  takeAttempt,
} from './login-backoff.policy.js';

/** An attempt taken, or refused. */
export type AttemptVerdict = { allowed: true } | AttemptRefused;

/** Where failed sign-ins per account are counted, shared by every instance. */
export interface LoginAttemptStore {
  /** Takes one attempt for `account` at `now` (takeAttempt), atomically across instances. */
  attempt(account: string, now: number, rules: LoginBackoffRules): Promise<AttemptVerdict>;
  /** A sign-in succeeded: the account starts afresh. */
  clear(account: string): Promise<void>;
  /**
   * Drops the counts that no longer matter at `now` (no attempt for LOGIN_FAILURES_FORGOTTEN_MS
   * and no wait left), so names tried once and never signed in with do not pile up; how many.
   */
  forgetStale(now: number): Promise<number>;
}

export const LOGIN_ATTEMPT_STORE = Symbol('LOGIN_ATTEMPT_STORE');

interface LoginFailureRow {
  failures: number;
  last_attempt_at: Date;
  blocked_until: Date;
}

/** The `login_failure` table: each attempt one transaction holding the account's row. */
export class PostgresLoginAttemptStore implements LoginAttemptStore {
  constructor(private readonly dataSource: DataSource) {}

  attempt(account: string, now: number, rules: LoginBackoffRules): Promise<AttemptVerdict> {
    return this.dataSource.transaction(async (manager) => {
      // The row exists before it is locked, so two first attempts cannot both read nothing.
      await manager.query(
        `INSERT INTO login_failure (account, failures, last_attempt_at, blocked_until)
         VALUES ($1, 0, $2, $2) ON CONFLICT (account) DO NOTHING`,
        [account, new Date(now)],
      );
      const [row] = await manager.query<LoginFailureRow[]>(
        `SELECT failures, last_attempt_at, blocked_until FROM login_failure
         WHERE account = $1 FOR UPDATE`,
        [account],
      );
      const previous: LoginAttemptState = {
        failures: row.failures,
        lastAttemptAt: row.last_attempt_at.getTime(),
        blockedUntil: row.blocked_until.getTime(),
      };
      const outcome = takeAttempt(previous, now, rules);
      if (!outcome.allowed) return outcome;
      await manager.query(
        `UPDATE login_failure SET failures = $2, last_attempt_at = $3, blocked_until = $4
         WHERE account = $1`,
        [
          account,
          outcome.state.failures,
          new Date(outcome.state.lastAttemptAt),
          new Date(outcome.state.blockedUntil),
        ],
      );
      return { allowed: true };
    });
  }

  async clear(account: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failure WHERE account = $1`, [account]);
  }

  forgetStale(now: number): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM login_failure WHERE account IN (
         SELECT account FROM login_failure
         WHERE last_attempt_at < $1 AND blocked_until < $2 LIMIT $3)`,
      [new Date(now - LOGIN_FAILURES_FORGOTTEN_MS), new Date(now)],
      10_000,
    );
  }
}

/**
 * takeAttempt in one script, so instances racing on one account take turns. Times are the
 * callers' (PenaltyClock), as with PostgreSQL. Returns {1, 0, 0} when taken, else
 * {0, blocked until, locked}.
 */
const TAKE_ATTEMPT = `
local now = tonumber(ARGV[1])
local backoff_after = tonumber(ARGV[2])
local lockout_at = tonumber(ARGV[3])
local lockout_ms = tonumber(ARGV[4])
local forget_ms = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'failures', 'last', 'until')
local failures = tonumber(state[1]) or 0
local last = tonumber(state[2]) or 0
local blocked = tonumber(state[3]) or 0
if blocked > now then
  return {0, blocked, failures >= lockout_at and 1 or 0}
end
if now - last >= forget_ms then failures = 0 end
failures = failures + 1
local wait = 0
if failures >= lockout_at then
  wait = lockout_ms
elseif failures >= backoff_after then
  wait = math.min(1000 * 2 ^ (failures - backoff_after), lockout_ms)
end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', now, 'until', now + wait)
redis.call('PEXPIRE', KEYS[1], forget_ms + wait)
return {1, 0, 0}
`;

/**
 * The same counts in Redis (with REDIS_URL, as the rate limits), a hash per account that
 * expires once forgotten. While Redis is down attempts are taken (fail open, as the rate
 * limits do: the per-address limits and the password hashing still hold), and the warning is
 * logged once per outage.
 */
export class RedisLoginAttemptStore implements LoginAttemptStore {
  private readonly logger = new Logger(RedisLoginAttemptStore.name);
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async attempt(account: string, now: number, rules: LoginBackoffRules): Promise<AttemptVerdict> {
    let reply: [number, number, number];
    try {
      reply = (await this.redis.eval(
        TAKE_ATTEMPT,
        1,
        this.key(account),
        now,
        rules.backoffAfter,
        rules.lockoutAt,
        rules.lockoutMs,
        LOGIN_FAILURES_FORGOTTEN_MS,
      )) as [number, number, number];
    } catch (error) {
      this.outage(error);
      return { allowed: true };
    }
    this.recovered();
    const [taken, blockedUntil, locked] = reply;
    return taken === 1 ? { allowed: true } : { allowed: false, blockedUntil, locked: locked === 1 };
  }

  async clear(account: string): Promise<void> {
    try {
      await this.redis.del(this.key(account));
      this.recovered();
    } catch (error) {
      this.outage(error);
    }
  }

  /** Redis forgets by itself: each account's hash expires once its failures no longer count. */
  forgetStale(): Promise<number> {
    return Promise.resolve(0);
  }

  private key(account: string): string {
    return `${this.keyPrefix}login:${account}`;
  }

  private outage(error: unknown): void {
    if (!this.failing) {
      this.logger.warn(`Sign-in backoff per account not enforced: ${describeError(error)}`);
    }
    this.failing = true;
  }

  private recovered(): void {
    if (this.failing) this.logger.log('Sign-in backoff per account enforced again');
    this.failing = false;
  }
}
