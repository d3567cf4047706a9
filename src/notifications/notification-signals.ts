import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PgChannelListener } from '../common/signals/pg-channel-listener.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { NotificationDto } from './dto/notification.dto.js';

/** A notification stored for `user`, told to every instance (its open streams). */
export interface NotificationSignal {
  user: string;
  notification: NotificationDto;
}

/** The one channel every instance listens on; NOTIFY payloads stay far below 8,000 bytes. */
const CHANNEL = 'notification_events';

/**
 * PostgreSQL LISTEN/NOTIFY between instances (PgChannelListener, as chat re-attach): a
 * notification stored on one instance reaches the streams open on any. Sending goes through
 * the pool. The raising instance hears its own signals too, so delivery has one path.
 */
@Injectable()
export class NotificationSignals implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationSignals.name);
  private readonly handlers: Array<(signal: NotificationSignal) => void> = [];
  private readonly listener: PgChannelListener;

  constructor(
    @InjectConfig() config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.listener = new PgChannelListener({
      connectionString: config.database.url,
      channels: [CHANNEL],
      applicationName: 'roleplay-notification-signals',
      onNotification: (_channel, payload) => payload && this.dispatch(payload),
      onListening: () => undefined,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }

  onSignal(handler: (signal: NotificationSignal) => void): void {
    this.handlers.push(handler);
  }

  async publish(signal: NotificationSignal): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(signal)]);
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
}
