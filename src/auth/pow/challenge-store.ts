import type { Redis } from 'ioredis';

/** Outstanding PoW challenges. Each may be taken once, and only before it expires. */
export interface ChallengeStore {
  add(challenge: string, ttlMs: number): Promise<void>;
  /** Removes the challenge; true only for the one caller that found it still live. */
  take(challenge: string): Promise<boolean>;
}

/**
 * Single-instance mode. With one TTL for all, challenges expire in issue order, so the sweep
 * on every call only looks at the front of the map; the size cap bounds memory against a
 * flood of GET /challenge.
 */
export class MemoryChallengeStore implements ChallengeStore {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly maxSize = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  async add(challenge: string, ttlMs: number): Promise<void> {
    this.sweep();
    if (this.expiries.size >= this.maxSize) {
      this.expiries.delete(this.expiries.keys().next().value as string);
    }
    this.expiries.set(challenge, this.now() + ttlMs);
  }

  async take(challenge: string): Promise<boolean> {
    this.sweep();
    const expiresAt = this.expiries.get(challenge);
    this.expiries.delete(challenge);
    return expiresAt !== undefined && expiresAt > this.now();
  }

  private sweep(): void {
    const now = this.now();
    for (const [challenge, expiresAt] of this.expiries) {
      if (expiresAt > now) return;
      this.expiries.delete(challenge);
    }
  }
}

/** Shared by every instance: Redis expires the keys, and DEL is atomic, so a take wins once. */
export class RedisChallengeStore implements ChallengeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async add(challenge: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(challenge), '1', 'PX', ttlMs);
  }

  async take(challenge: string): Promise<boolean> {
    return (await this.redis.del(this.key(challenge))) === 1;
  }

  private key(challenge: string): string {
    return `${this.keyPrefix}pow:${challenge}`;
  }
}
