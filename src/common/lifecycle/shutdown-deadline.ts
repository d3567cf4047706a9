import { Global, Injectable, Module } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';

/**
 * One grace period (SHUTDOWN_TIMEOUT_MS) for the whole shutdown, counted from SIGTERM (main)
 * or, when the app is closed without one (tests), from the first shutdown hook that asks.
 * Requests draining, then replies and group rounds finishing, all end by the same deadline,
 * so a stop stays inside the orchestrator's grace period instead of each step taking the
 * full timeout after the one before.
 */
@Injectable()
export class ShutdownDeadline {
  private deadline?: number;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  /** Whether shutdown has begun (readiness then fails, so traffic moves elsewhere). */
  get started(): boolean {
    return this.deadline !== undefined;
  }

  /** Starts the grace period; later calls keep the first start. */
  start(): this {
    this.deadline ??= Date.now() + this.config.http.shutdownTimeoutMs;
    return this;
  }

  /** What is left of the grace period (starting it if nobody has). */
  remainingMs(): number {
    this.start();
    return Math.max(0, this.deadline! - Date.now());
  }

  /**
   * Lets `running` work finish within what is left of the grace period; past it, calls
   * `cutShort` (which must make that work end) and waits for it to end.
   */
  async finishOrCut(running: Iterable<Promise<unknown>>, cutShort: () => void): Promise<void> {
    const all = Promise.all(running);
    const finished = await Promise.race([
      all.then(() => true),
      delay(this.remainingMs(), false, { ref: false }),
    ]);
    if (finished) return;
    cutShort();
    await all;
  }
}

@Global()
@Module({ providers: [ShutdownDeadline], exports: [ShutdownDeadline] })
export class ShutdownModule {}
