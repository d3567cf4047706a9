import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { PgChannels, SignalsModule } from '../signals/pg-channels.service.js';

/** The channel the `notify_row_changed` trigger (migration RowChangeNotifications) sends on. */
export const ROW_CHANGED_CHANNEL = 'row_changed';
/** caughtUp()'s markers share the channel; no table is named so. */
const BARRIER_PREFIX = 'caught-up:';

/** A table whose rows instances cache; the trigger sends `<table>:<id>` after each commit. */
export type WatchedTable = 'app_user' | 'character';

/**
 * Tells this instance which cached rows changed on any instance: PostgreSQL sends the
 * trigger's notification to every listener when the writing transaction commits, whoever
 * wrote (a service, an admin, a migration by hand), over the instance's shared LISTEN
 * connection (PgChannels). While it is down nothing can be trusted: `live` is false (caches read through) and
 * every cache is emptied on loss and again once it listens anew.
 */
@Injectable()
export class RowChangeFeed {
  private readonly listeners = new Map<WatchedTable, Array<(id: string) => void>>();
  private readonly resets: Array<() => void> = [];
  private readonly barriers = new Map<string, () => void>();

  constructor(private readonly channels: PgChannels) {
    channels.subscribe(ROW_CHANGED_CHANNEL, {
      onNotification: (payload) => payload && this.dispatch(payload),
      // Changes while it was down were not heard: lost or back, every copy goes.
      onListening: () => this.reset(),
    });
  }

  /** Whether changes reach this instance now: a cache may serve a copy only then. */
  get live(): boolean {
    return this.channels.listening;
  }

  /**
   * Resolves once every change committed before the call has reached this instance's caches
   * (read-your-writes after SQL that bypassed the services). PostgreSQL delivers a listener's
   * notifications in commit order, so hearing our own marker back means all earlier ones were
   * dispatched. While the feed is down there is nothing to wait for: caches read through.
   */
  async caughtUp(): Promise<void> {
    if (!this.live) return;
    const marker = `${BARRIER_PREFIX}${randomUUID()}`;
    const heard = new Promise<void>((resolve) => this.barriers.set(marker, resolve));
    try {
      await this.channels.notify(ROW_CHANGED_CHANNEL, marker);
    } catch {
      this.barriers.delete(marker);
      return;
    }
    await heard;
  }

  /** `changed(id)` after a row of `table` is updated (cached columns) or deleted. */
  onChange(table: WatchedTable, changed: (id: string) => void): void {
    this.listeners.set(table, [...(this.listeners.get(table) ?? []), changed]);
  }

  /** `reset()` when changes may have been missed (the connection dropped or came back). */
  onReset(reset: () => void): void {
    this.resets.push(reset);
  }

  private dispatch(payload: string): void {
    const barrier = this.barriers.get(payload);
    if (barrier) {
      this.barriers.delete(payload);
      return barrier();
    }
    const split = payload.indexOf(':');
    const listeners = this.listeners.get(payload.slice(0, split) as WatchedTable);
    for (const changed of listeners ?? []) changed(payload.slice(split + 1));
  }

  private reset(): void {
    for (const reset of this.resets) reset();
    // Emptied caches are caught up with everything; nobody waits on a marker a lost connection took.
    for (const release of this.barriers.values()) release();
    this.barriers.clear();
  }
}

/** RowChangeFeed: modules that cache rows import this (one listening connection per instance). */
@Module({ imports: [SignalsModule], providers: [RowChangeFeed], exports: [RowChangeFeed] })
export class RowChangesModule {}
