import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DigestKind } from './notification-settings.repository.js';

/**
 * Unsubscribe links: `<user id>.<kind>.<signature>`, the signature an HMAC-SHA256 under a key
 * derived from the JWT secret (its own purpose, so no other token of ours verifies here and
 * this one verifies nowhere else). Good until the secret changes; it only ever turns a digest
 * off, so it needs no expiry.
 */
export class UnsubscribeTokens {
  private readonly key: Buffer;

  constructor(jwtSecret: string) {
    this.key = createHmac('sha256', jwtSecret).update('notification-unsubscribe.v1').digest();
  }

  sign(userId: string, kind: DigestKind): string {
    return `${userId}.${kind}.${this.signature(userId, kind)}`;
  }

  /** The user and digest the token names, or null when it is not one we signed. */
  verify(token: string): { userId: string; kind: DigestKind } | null {
    const [userId, kind, signature, ...rest] = token.split('.');
    if (rest.length > 0 || !userId || !signature) return null;
    if (kind !== 'weekly' && kind !== 'creator_daily') return null;
    const expected = Buffer.from(this.signature(userId, kind));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return { userId, kind };
  }

  private signature(userId: string, kind: DigestKind): string {
    return createHmac('sha256', this.key).update(`${userId}.${kind}`).digest('base64url');
  }
}
