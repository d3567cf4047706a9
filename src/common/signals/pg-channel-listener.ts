import { Logger } from '@nestjs/common';
import pg from 'pg';

const RECONNECT_DELAY_MS = 1000;

export interface PgChannelListenerOptions {
  connectionString: string | undefined;
  /** Channels to LISTEN on (plain identifiers: lower case, digits, underscores); see add. */
  channels: readonly string[];
  /** Shown in pg_stat_activity. */
  applicationName: string;
  onNotification: (channel: string, payload: string) => void;
  /**
   * Called after every (re)connection has its LISTENs in place, and with false when it is lost:
   * notifications sent while it was down are gone, so whatever they keep fresh must not be
   * trusted until the next `true`.
   */
  onListening: (listening: boolean) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A channel goes into LISTEN as an identifier: only plain names are taken. */
function checked(channel: string): string {
  if (!IDENTIFIER.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  return channel;
}

/**
 * One connection outside the pool that LISTENs on its channels and reconnects when lost: how
 * an instance hears what other instances (or triggers) announce with NOTIFY. PgChannels holds
 * the one an instance has and shares it between every cross-instance signal.
 */
export class PgChannelListener {
  private readonly logger: Logger;
  private readonly channels = new Set<string>();
  private client?: pg.Client;
  private reconnectTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: PgChannelListenerOptions) {
    for (const channel of options.channels) this.channels.add(checked(channel));
    this.logger = new Logger(options.applicationName);
  }

  /**
   * LISTENs on `channel` too: at once when connected, else from the next connection on.
   * Throws at once on a name that is not a plain identifier.
   */
  add(channel: string): Promise<void> {
    if (this.channels.has(checked(channel))) return Promise.resolve();
    this.channels.add(channel);
    return this.client
      ? this.client.query(`LISTEN ${channel}`).then(() => undefined)
      : Promise.resolve();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * NOTIFY on this listener's own connection, so what one instance sends arrives in the order
   * it was sent. Throws when the connection is down (its handler logs and reconnects).
   */
  async notify(channel: string, payload: string): Promise<void> {
    if (!this.client) throw new Error('not listening');
    await this.client.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
    });
    client.on('notification', ({ channel, payload }) =>
      this.options.onNotification(channel, payload ?? ''),
    );
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    await client.connect();
    try {
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closing) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.onListening(true);
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.closing || this.client !== client) return;
    this.client = undefined;
    this.options.onListening(false);
    this.logger.warn(`Notification connection lost (${reason}); reconnecting`);
    client.end().catch(() => undefined);
    this.reconnect();
  }

  private reconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.logger.warn(`Notification connection failed (${error.message}); retrying`);
        this.reconnect();
      });
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
