import {
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import pg from 'pg';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';

/** The channel the `notify_row_changed` trigger (migration RowChangeNotifications) sends on. */
export const ROW_CHANGED_CHANNEL = 'row_changed';
const RECONNECT_DELAY_MS = 1000;

/** A table whose rows instances cache; the trigger sends `<table>:<id>` after each commit. */
export type WatchedTable = 'app_user' | 'character';

/**
 * Tells this instance which cached rows changed on any instance: PostgreSQL sends the
 * trigger's notification to every listener when the writing transaction commits, whoever
 * wrote (a service, an admin, a migration by hand). One connection per instance, outside the
 * pool. While it is down nothing can be trusted: `live` is false (caches read through) and
 * every cache is emptied on loss and again once it listens anew.
 */
@Injectable()
export class RowChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RowChangeFeed.name);
  private readonly listeners = new Map<WatchedTable, Array<(id: string) => void>>();
  private readonly resets: Array<() => void> = [];
  private client?: pg.Client;
  private reconnectTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  /** Whether changes reach this instance now: a cache may serve a copy only then. */
  get live(): boolean {
    return this.client !== undefined;
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  /** `changed(id)` after a row of `table` is updated (cached columns) or deleted. */
  onChange(table: WatchedTable, changed: (id: string) => void): void {
    this.listeners.set(table, [...(this.listeners.get(table) ?? []), changed]);
  }

  /** `reset()` when changes may have been missed (the connection dropped or came back). */
  onReset(reset: () => void): void {
    this.resets.push(reset);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.database.url,
      application_name: 'roleplay-row-changes',
    });
    client.on('notification', ({ payload }) => payload && this.dispatch(payload));
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    await client.connect();
    await client.query(`LISTEN ${ROW_CHANGED_CHANNEL}`);
    this.client = client;
    // Changes between the loss and now were not heard.
    this.reset();
  }

  private dispatch(payload: string): void {
    const split = payload.indexOf(':');
    const listeners = this.listeners.get(payload.slice(0, split) as WatchedTable);
    for (const changed of listeners ?? []) changed(payload.slice(split + 1));
  }

  private reset(): void {
    for (const reset of this.resets) reset();
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.closing || this.client !== client) return;
    this.client = undefined;
    this.reset();
    this.logger.warn(`Row change connection lost (${reason}); caches read through until back`);
    client.end().catch(() => undefined);
    this.reconnect();
  }

  private reconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.logger.warn(`Row change connection failed (${error.message}); retrying`);
        this.reconnect();
      });
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}

/** RowChangeFeed: modules that cache rows import this (one listening connection per instance). */
@Module({ providers: [RowChangeFeed], exports: [RowChangeFeed] })
export class RowChangesModule {}
