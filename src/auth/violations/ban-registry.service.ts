import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { describeError } from '../../common/lifecycle/describe-error.js';
import { PenaltyClock } from './penalty-clock.js';
import { ViolationsRepository } from './violations.repository.js';

/**
 * How often each instance reads the bans in force: a ban given or lifted on another instance
 * applies here within this time (on the instance that gave or lifted it, at once).
 */
export const BAN_REFRESH_MS = 5_000;

/**
 * The most bans one read keeps, the longest-lasting first: a guard against a flood of address
 * bans filling the memory of every instance (each entry is a hash and a time).
 */
const MAX_ACTIVE_BANS = 200_000;

/** The ban a request falls under: whose it is and until when. */
export interface ActiveBanMatch {
  subject: string;
  until: Date;
}

/**
 * The bans in force, in memory on every instance, so checking a request is two map lookups
 * rather than a query. Read whole from `ban` every BAN_REFRESH_MS, in the background: a
 * request never waits on the database for it. While the database cannot be read the last
 * copy stays in force (its bans still end on time), and the warning is logged once.
 */
@Injectable()
export class BanRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BanRegistry.name);
  /** Subject → when its latest ban ends (ms). */
  private bans = new Map<string, number>();
  /** Bans given here while a read is in flight, which that read may have missed. */
  private givenDuringRead = new Map<string, number>();
  private reading?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly repository: ViolationsRepository,
    private readonly clock: PenaltyClock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), BAN_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The ban in force now over any of `subjects` that ends last; null when none is. */
  find(subjects: readonly string[]): ActiveBanMatch | null {
    const now = this.clock.now();
    let found: { subject: string; until: number } | null = null;
    for (const subject of subjects) {
      const until = this.bans.get(subject);
      if (until !== undefined && until > now && (!found || until > found.until)) {
        found = { subject, until };
      }
    }
    return found && { subject: found.subject, until: new Date(found.until) };
  }

  /** A ban given on this instance applies here at once. */
  given(subject: string, until: Date): void {
    for (const map of [this.bans, this.givenDuringRead]) {
      if (until.getTime() > (map.get(subject) ?? 0)) map.set(subject, until.getTime());
    }
  }

  /**
   * Reads the bans again once a read that may have started before a lift is over, so the
   * lift applies here at once.
   */
  async reload(): Promise<void> {
    await this.reading;
    await this.refresh();
  }

  /** One read at a time; callers meanwhile share it. */
  private refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    this.givenDuringRead = new Map();
    try {
      const rows = await this.repository.active(new Date(this.clock.now()), MAX_ACTIVE_BANS);
      const bans = new Map(rows.map((row) => [row.subject, row.until.getTime()]));
      for (const [subject, until] of this.givenDuringRead) {
        if (until > (bans.get(subject) ?? 0)) bans.set(subject, until);
      }
      this.bans = bans;
      if (rows.length === MAX_ACTIVE_BANS) {
        this.logger.warn(`${MAX_ACTIVE_BANS} bans in force: only the longest are enforced`);
      }
      if (this.failing) this.logger.log('Bans read again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(`Bans not read, the last copy stays in force: ${describeError(error)}`);
      }
      this.failing = true;
    }
  }
}
