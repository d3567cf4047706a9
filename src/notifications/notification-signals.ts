import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { NotificationDto } from './dto/notification.dto.js';

/** A notification stored for `user`, told to every instance (its open streams). */
export interface NotificationSignal {
  user: string;
  notification: NotificationDto;
}

/** The one channel every instance listens on; NOTIFY payloads stay far below 8,000 bytes. */
const CHANNEL = 'notification_events';
const RECONNECT_DELAY_MS = 1000;

/**
 * PostgreSQL LISTEN/NOTIFY between instances, as ChatSignals does for chat re-attach: a
 * notification stored on one instance reaches the streams open on any. One listening
 * connection per instance, outside the pool (reconnected when lost); sending goes through the
 * pool. The raising instance hears its own signals too, so delivery has one path.
 */
@Injectable()
export class NotificationSignals implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationSignals.name);
  private readonly handlers: Array<(signal: NotificationSignal) => void> = [];
  private client?: pg.Client;
  private reconnectTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  onSignal(handler: (signal: NotificationSignal) => void): void {
    this.handlers.push(handler);
  }

  async publish(signal: NotificationSignal): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(signal)]);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.database.url,
      application_name: 'roleplay-notification-signals',
    });
    client.on('notification', ({ payload }) => {
      if (payload) this.dispatch(payload);
    });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private dispatch(payload: string): void {
    let signal: NotificationSignal;
    try {
      signal = JSON.parse(payload) as NotificationSignal;
    } catch {
      this.logger.warn(`Ignored a malformed notification signal: ${payload.slice(0, 100)}`);
      return;
    }
    for (const handler of this.handlers) handler(signal);
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.closing || this.client !== client) return;
    this.client = undefined;
    this.logger.warn(`Notification signal connection lost (${reason}); reconnecting`);
    client.end().catch(() => undefined);
    this.reconnect();
  }

  private reconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.logger.warn(`Notification signal connection failed (${error.message}); retrying`);
        this.reconnect();
      });
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
