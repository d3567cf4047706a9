import { Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { PgChannelListener } from './pg-channel-listener.js';

export interface ChannelSubscriber {
  onNotification(payload: string): void;
  /**
   * After the connection is back with its LISTENs in place (true), and when it is lost
   * (false): what was sent meanwhile is gone, so what it keeps fresh must not be trusted.
   */
  onListening?(listening: boolean): void;
}

/**
 * The instance's one LISTEN connection, outside the pool, shared by every cross-instance
 * signal (chat re-attach and stop, notifications, row copies, the catalogue cache): modules
 * subscribe to their channels (in their constructors, so all are in place when it connects at
 * start-up) and send on it, so what one instance sends arrives in the order it was sent.
 */
@Injectable()
export class PgChannels implements OnModuleInit, OnApplicationShutdown {
  private readonly subscribers = new Map<string, ChannelSubscriber[]>();
  private readonly listener: PgChannelListener;

  constructor(@InjectConfig() config: AppConfig) {
    this.listener = new PgChannelListener({
      connectionString: config.database.url,
      channels: [],
      applicationName: 'roleplay-signals',
      onNotification: (channel, payload) => {
        for (const subscriber of this.subscribers.get(channel) ?? []) {
          subscriber.onNotification(payload);
        }
      },
      onListening: (listening) => {
        for (const subscribers of this.subscribers.values()) {
          for (const subscriber of subscribers) subscriber.onListening?.(listening);
        }
      },
    });
  }

  /** Whether notifications reach this instance now. */
  get listening(): boolean {
    return this.listener.listening;
  }

  /** Hears `channel` (a plain identifier) from now on; throws on any other name. */
  subscribe(channel: string, subscriber: ChannelSubscriber): void {
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber]);
    // Before start-up: its LISTEN goes with the others. After: a late subscriber is told it
    // listens once its LISTEN is in place (a failure is the connection's, which reconnects).
    const late = this.listening;
    void this.listener.add(channel).then(
      () => late && subscriber.onListening?.(true),
      () => undefined,
    );
  }

  /** NOTIFY on the shared connection. Throws when it is down (it logs and reconnects). */
  notify(channel: string, payload: string): Promise<void> {
    return this.listener.notify(channel, payload);
  }

  async onModuleInit(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}

/** PgChannels: import it where a service signals other instances (one connection each). */
@Module({ providers: [PgChannels], exports: [PgChannels] })
export class SignalsModule {}
