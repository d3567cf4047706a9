import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../common/hash.js';

/** Leading zero hex digits the hash must have: 16 bits, ~65k hashes for a browser on average. */
export const POW_DIFFICULTY = 4;
export const POW_TTL_MS = 5 * 60_000;

/** A fresh challenge: 128 random bits as 32 hex digits. */
export const newChallenge = (): string => randomBytes(16).toString('hex');

/** True when sha256(challenge + nonce), in hex, starts with `difficulty` zeros. */
export const solvesChallenge = (challenge: string, nonce: string, difficulty: number): boolean =>
  sha256Hex(challenge + nonce).startsWith('0'.repeat(difficulty));
