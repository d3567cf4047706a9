import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';

/** The shared ioredis client, or null when REDIS_URL is unset (single-instance mode). */
export const REDIS = Symbol('REDIS');
export const InjectRedis = () => Inject(REDIS);
export type RedisClient = Redis | null;

const logger = new Logger('Redis');

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RedisClient => {
        if (!config.redisUrl) return null;
        const client = new Redis(config.redisUrl, {
          // Fail fast while Redis is down instead of queueing commands forever; callers
          // decide whether to fail open or closed.
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: false,
        });
        let healthy = true;
        client.on('error', (error: Error) => {
          if (healthy) logger.warn(`Redis unavailable: ${error.message}`);
          healthy = false;
        });
        client.on('ready', () => {
          if (!healthy) logger.log('Redis connection restored');
          healthy = true;
        });
        return client;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
