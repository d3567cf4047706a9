import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PgChannels } from '../common/signals/pg-channels.service.js';
import type { NotificationDto } from './dto/notification.dto.js';

/** A notification stored for `user`, told to every instance (its open streams). */
export interface NotificationSignal {
  user: string;
  notification: NotificationDto;
}

/** The one channel every instance listens on; NOTIFY payloads stay far below 8,000 bytes. */
const CHANNEL = 'notification_events';

/**
 * PostgreSQL LISTEN/NOTIFY between instances (PgChannels, as chat re-attach): a
 * notification stored on one instance reaches the streams open on any. Sending goes through
 * the pool. The raising instance hears its own signals too, so delivery has one path.
 */
@Injectable()
export class NotificationSignals {
  private readonly logger = new Logger(NotificationSignals.name);
  private readonly handlers: Array<(signal: NotificationSignal) => void> = [];

  constructor(
    channels: PgChannels,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    channels.subscribe(CHANNEL, { onNotification: (payload) => payload && this.dispatch(payload) });
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
