import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { describeError } from '../../common/lifecycle/describe-error.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { type ActiveBanMatch, BanRegistry } from './ban-registry.service.js';
import { PenaltyClock } from './penalty-clock.js';
import {
  banDurationMs,
  subjectKeys,
  subjectKind,
  type BanSubjectKind,
  type ViolationKind,
  type ViolationSubject,
} from './violation-policy.js';
import { type BanRow, ViolationsRepository } from './violations.repository.js';
import { offsetOf, pageOfRows } from '../../common/pagination.js';

const HOUR_MS = 3_600_000;

/** A ban that applies to a request. */
export interface BanInForce {
  kind: BanSubjectKind;
  until: Date;
}

export interface BanPage {
  rows: BanRow[];
  hasMore: boolean;
}

/** The rules of one violation, read from the settings once per call. */
interface ScoringRules {
  points: number;
  threshold: Record<BanSubjectKind, number>;
  ladder: readonly string[];
  decayMs: number;
  ladderResetMs: number;
}

/**
 * Violation scores and timed bans (as LibreChat's): each violation adds points to the user's
 * and to the client address's score; a score reaching its threshold (ban_threshold.user,
 * ban_threshold.address) becomes a ban for the next step of ban_ladder and starts again.
 * Points are forgotten after violation_decay_hours without a violation, strikes after
 * ban_ladder_reset_days. Everything lives in PostgreSQL, so every instance counts together;
 * the bans in force are checked from memory (BanRegistry, BanGuard).
 */
@Injectable()
export class ViolationService {
  private readonly logger = new Logger(ViolationService.name);

  constructor(
    private readonly repository: ViolationsRepository,
    private readonly registry: BanRegistry,
    private readonly settings: SettingsService,
    private readonly clock: PenaltyClock,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Counts one violation of `kind` against the user and the address of `subject` (either may
   * be absent): `points`, or the kind's setting (violation_points.<kind>). Never throws: a
   * violation that cannot be stored is logged, and whatever was refused stays refused.
   */
  async record(subject: ViolationSubject, kind: ViolationKind, points?: number): Promise<void> {
    const keys = subjectKeys(subject);
    if (keys.length === 0) return;
    this.metrics.bans.violation(kind);
    try {
      const rules = await this.rules(kind, points);
      if (rules.points <= 0) return;
      const now = new Date(this.clock.now());
      for (const key of keys) await this.score(key, subject, kind, rules, now);
    } catch (error) {
      this.logger.error(`A ${kind} violation was not recorded: ${describeError(error)}`);
    }
  }

  /** The ban in force over this user or address that ends last; null when none is. */
  banOf(subject: ViolationSubject): BanInForce | null {
    const match: ActiveBanMatch | null = this.registry.find(subjectKeys(subject));
    return match && { kind: subjectKind(match.subject), until: match.until };
  }

  /** The bans in force, newest first. */
  async active(page: number, pageSize: number): Promise<BanPage> {
    const rows = await this.repository.pageActive(
      new Date(this.clock.now()),
      offsetOf({ page, pageSize }),
      pageSize,
    );
    const { shown, hasMore } = pageOfRows(rows, pageSize);
    return { rows: shown, hasMore };
  }

  /**
   * Lifts a ban in force (`id` must be a UUID): 404 for an unknown ban, 409 for one that
   * already ended. Applies at once here and within BAN_REFRESH_MS elsewhere.
   */
  async lift(adminId: string, id: string): Promise<{ before: BanRow; after: BanRow }> {
    const before = await this.repository.findById(id);
    if (!before) throw new NotFoundException('Ban not found');
    const after = await this.repository.lift(id, adminId, new Date(this.clock.now()));
    if (!after) throw new ConflictException('This ban has already ended or been lifted');
    await this.registry.reload();
    this.metrics.bans.liftedBan(subjectKind(after.subject));
    return { before, after };
  }

  /**
   * Deletes the scores whose points and strikes are both forgotten (the daily cleanup), so
   * addresses seen once do not pile up; a violation after that starts afresh, as it would.
   * How many went. Bans keep their rows: they are the history admins read.
   */
  async forgetStale(): Promise<number> {
    const [decayHours, resetDays] = await Promise.all([
      this.settings.get('violation_decay_hours'),
      this.settings.get('ban_ladder_reset_days'),
    ]);
    const forgottenMs = Math.max(decayHours * HOUR_MS, resetDays * 24 * HOUR_MS);
    return this.repository.deleteIdleSince(new Date(this.clock.now() - forgottenMs));
  }

  private async rules(kind: ViolationKind, points: number | undefined): Promise<ScoringRules> {
    const [kindPoints, userThreshold, addressThreshold, ladder, decayHours, resetDays] =
      await Promise.all([
        points ?? this.settings.get(`violation_points.${kind}`),
        this.settings.get('ban_threshold.user'),
        this.settings.get('ban_threshold.address'),
        this.settings.get('ban_ladder'),
        this.settings.get('violation_decay_hours'),
        this.settings.get('ban_ladder_reset_days'),
      ]);
    return {
      points: kindPoints,
      threshold: { user: userThreshold, address: addressThreshold },
      ladder,
      decayMs: decayHours * HOUR_MS,
      ladderResetMs: resetDays * 24 * HOUR_MS,
    };
  }

  private async score(
    key: string,
    subject: ViolationSubject,
    kind: ViolationKind,
    rules: ScoringRules,
    now: Date,
  ): Promise<void> {
    const score = await this.repository.addPoints(
      key,
      rules.points,
      now,
      new Date(now.getTime() - rules.decayMs),
      new Date(now.getTime() - rules.ladderResetMs),
    );
    const who = subjectKind(key);
    const threshold = rules.threshold[who];
    if (threshold === 0 || score.points < threshold) return;
    const ban = await this.repository.ban({
      subject: key,
      userId: who === 'user' ? (subject.userId ?? null) : null,
      reason: kind,
      threshold,
      now,
      durationMs: (strike) => banDurationMs(rules.ladder, strike),
    });
    if (!ban) return;
    this.registry.given(key, ban.banned_until);
    this.metrics.bans.banned(who);
    this.logger.log(
      `Banned ${who === 'user' ? key : 'an address'} until ${ban.banned_until.toISOString()} ` +
        `(strike ${ban.strike}, after ${kind})`,
    );
  }
}
