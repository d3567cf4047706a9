import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One hit in a sliding window, atomically: a sorted set of hit times per key, trimmed to the
 * window, grown only while under the limit. Redis's own clock is used so instances with
 * skewed clocks still agree. Returns {hits including this one, ms until a slot frees, blocked}.
 */
const SLIDING_WINDOW_HIT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local hits = redis.call('ZCARD', KEYS[1])
local blocked = 0
if hits >= limit then
  blocked = 1
else
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {hits + 1, tonumber(oldest[2]) + window - now, blocked}
`;

/**
 * ThrottlerStorage over the shared ioredis client, so every instance counts against the same
 * windows. Written here because @nest-lab/throttler-storage-redis does not declare Nest 12 in
 * its peer dependencies. `blockDuration` is not supported: the limits are plain sliding
 * windows (see throttlerOptions). While Redis is down requests pass (fail open) rather than
 * locking everyone out; the warning is logged once per outage.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    let reply: [number, number, number];
    try {
      reply = (await this.redis.eval(
        SLIDING_WINDOW_HIT,
        1,
        `${this.keyPrefix}rate:${key}`,
        ttl,
        limit,
        randomUUID(),
      )) as [number, number, number];
    } catch (error) {
      if (!this.failing) this.logger.warn(`Rate limits not enforced: ${(error as Error).message}`);
      this.failing = true;
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
    if (this.failing) this.logger.log('Rate limits enforced again');
    this.failing = false;
    const [totalHits, msUntilFree, blocked] = reply;
    const secondsUntilFree = Math.ceil(msUntilFree / 1000);
    return {
      totalHits,
      timeToExpire: secondsUntilFree,
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? secondsUntilFree : 0,
    };
  }
}
