import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify, type Options } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ConcurrencyLimit } from '../common/concurrency-limit.js';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const ARGON2: Options = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

/**
 * argon2id through @node-rs/argon2, whose async calls run on libuv's thread pool, so hashing
 * never blocks the event loop. Still, each hash keeps a core busy, so at most CPUs - 1 run at
 * once: one core stays with the event loop, and a burst of logins cannot starve every other
 * request of CPU (bench/auth.ts measures healthz latency while logins hash).
 */
@Injectable()
export class PasswordHasher {
  private readonly limit = new ConcurrencyLimit(Math.max(1, availableParallelism() - 1));

  /** Checked when there is no account, so unknown emails take as long as wrong passwords. */
  private readonly dummyHash = hash(randomBytes(16).toString('hex'), ARGON2);

  hash(password: string): Promise<string> {
    return this.limit.run(() => hash(password, ARGON2));
  }

  /** False for a wrong password and for a missing hash, in comparable time. */
  async verify(passwordHash: string | null | undefined, password: string): Promise<boolean> {
    const stored = passwordHash ?? (await this.dummyHash);
    const matches = await this.limit.run(() => verify(stored, password));
    return matches && Boolean(passwordHash);
  }
}
