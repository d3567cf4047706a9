import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { UsersRepository } from './users.repository.js';

/** A stalled database must not grow memory without bound: more users flush at once. */
const MAX_PENDING_USERS = 5_000;

/**
 * The tokens users spend, added to their counters in one statement for everyone every
 * TOKEN_USAGE_FLUSH_MS instead of one per reply: the counters are statistics (nothing is
 * refused by them), and a statement less per reply is a sixth of its round trips. What a
 * crash takes is at most that interval's counts; shutdown writes what is held, and anything
 * counted after (rounds saved in the grace period) is written at once.
 */
@Injectable()
export class TokenUsageTally implements BeforeApplicationShutdown {
  private readonly logger = new Logger(TokenUsageTally.name);
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly users: UsersRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Counts `tokens` for the user; never throws nor waits (a lost count is only logged). */
  count(userId: string, tokens: number): void {
    if (!(tokens > 0)) return;
    this.pending.set(userId, (this.pending.get(userId) ?? 0) + tokens);
    const delayMs = this.config.auth.tokenUsageFlushMs;
    if (this.closing || delayMs === 0 || this.pending.size >= MAX_PENDING_USERS) {
      void this.flush();
    } else {
      this.timer ??= setTimeout(() => void this.flush(), delayMs).unref();
    }
  }

  /** Writes what is held now; never throws. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending].map(([userId, tokens]) => ({ userId, tokens }));
    this.pending = new Map();
    await this.users.addTokensUsed(batch).catch((error: Error) => {
      this.logger.error(`Tokens of ${batch.length} user(s) not counted: ${error.message}`);
    });
  }

  // Before the connection pool closes (TypeORM closes it on application shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.flush();
  }
}
