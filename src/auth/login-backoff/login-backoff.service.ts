import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex } from '../../common/hash.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { normalizeEmail } from '../dto/fields.js';
import { PenaltyClock } from '../violations/penalty-clock.js';
import type { AttemptRefused } from './login-backoff.policy.js';
import { LOGIN_ATTEMPT_STORE, type LoginAttemptStore } from './login-attempt.store.js';

/** The key an email's attempts count under: hashed, so no store holds addresses. */
const accountKey = (email: string): string => sha256Hex(String(normalizeEmail(email)));

/**
 * Failed sign-ins per account, from any number of addresses (on top of the per-address
 * limits): after login_backoff_after_failures each attempt waits, 1 s doubling, and at
 * login_lockout_failures the account is locked for login_lockout_minutes. Counted by email
 * whether or not an account has it, so the answers never tell which emails are registered.
 */
@Injectable()
export class LoginBackoffService {
  constructor(
    @Inject(LOGIN_ATTEMPT_STORE) private readonly store: LoginAttemptStore,
    private readonly settings: SettingsService,
    private readonly clock: PenaltyClock,
  ) {}

  /** Takes an attempt to sign in as `email`; the refusal when it must wait. */
  async attempt(email: string): Promise<AttemptRefused | null> {
    const [backoffAfter, lockoutAt, lockoutMinutes] = await Promise.all([
      this.settings.get('login_backoff_after_failures'),
      this.settings.get('login_lockout_failures'),
      this.settings.get('login_lockout_minutes'),
    ]);
    const verdict = await this.store.attempt(accountKey(email), this.clock.now(), {
      backoffAfter,
      lockoutAt,
      lockoutMs: lockoutMinutes * 60_000,
    });
    return verdict.allowed ? null : verdict;
  }

  /** The password was right (or reset through the mailed link): the count starts again. */
  succeeded(email: string): Promise<void> {
    return this.store.clear(accountKey(email));
  }

  /** Drops the counts that no longer matter (the daily cleanup); how many. */
  forgetStale(): Promise<number> {
    return this.store.forgetStale(this.clock.now());
  }
}
