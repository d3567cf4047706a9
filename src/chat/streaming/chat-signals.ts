import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import type { ReplyOutcome } from './reply-event.js';

/**
 * Messages between API instances about a reply one of them is writing. Sent to the instance
 * writing it: `attach` (follow it, replaying the text so far), `detach`, `stop`. Sent back to
 * the follower: `text` (more of the reply, in order) and `end` (how it ended; null when that
 * instance has no such reply).
 */
export type ChatSignal =
  | { t: 'attach'; chat: string; sub: string; from: string }
  | { t: 'detach'; chat: string; sub: string }
  | { t: 'stop'; chat: string; sub: string; from: string }
  | { t: 'text'; sub: string; text: string }
  | { t: 'end'; sub: string; outcome: ReplyOutcome | null };

const RECONNECT_DELAY_MS = 1000;

const channelOf = (instanceId: string) => `chat_${instanceId.replace(/-/g, '')}`;

/**
 * PostgreSQL LISTEN/NOTIFY between instances, so stop and re-attach work wherever a request
 * lands, with or without Redis. One connection per instance, outside the pool: it listens on
 * the instance's own channel and sends every notification, so those from one instance arrive
 * in the order they were sent. Nothing goes through here on the token path unless a client
 * follows a reply from another instance.
 */
@Injectable()
export class ChatSignals implements OnModuleInit, OnApplicationShutdown {
  /** This process; chat_generation rows name it. */
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(ChatSignals.name);
  private readonly handlers: Array<(signal: ChatSignal) => void> = [];
  private client?: pg.Client;
  private reconnectTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  onSignal(handler: (signal: ChatSignal) => void): void {
    this.handlers.push(handler);
  }

  async send(instanceId: string, signal: ChatSignal): Promise<void> {
    if (!this.client) throw new Error('The chat signal connection is down');
    await this.client.query('SELECT pg_notify($1, $2)', [
      channelOf(instanceId),
      JSON.stringify(signal),
    ]);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.database.url,
      application_name: 'roleplay-chat-signals',
    });
    client.on('notification', ({ payload }) => {
      if (payload) this.dispatch(payload);
    });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    await client.connect();
    await client.query(`LISTEN ${channelOf(this.instanceId)}`);
    this.client = client;
  }

  private dispatch(payload: string): void {
    let signal: ChatSignal;
    try {
      signal = JSON.parse(payload) as ChatSignal;
    } catch {
      this.logger.warn(`Ignored a malformed chat signal: ${payload.slice(0, 100)}`);
      return;
    }
    for (const handler of this.handlers) handler(signal);
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.closing || this.client !== client) return;
    this.client = undefined;
    this.logger.warn(`Chat signal connection lost (${reason}); reconnecting`);
    client.end().catch(() => undefined);
    this.reconnect();
  }

  private reconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.logger.warn(`Chat signal connection failed (${error.message}); retrying`);
        this.reconnect();
      });
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
