import { parseDuration } from '../../common/duration.js';
import { clientAddressHash } from '../rate-limit/client-address.js';

/** What adds points to a user's and an address's score. */
export const VIOLATION_KINDS = [
  'refused_input',
  'hard_output',
  'rate_limit',
  'upheld_report',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** Who committed a violation: the signed-in user, the client address, or both. */
export interface ViolationSubject {
  userId?: string | null;
  /** req.ip as Express gives it (X-Forwarded-For only with TRUST_PROXY). */
  address?: string | null;
}

export type BanSubjectKind = 'user' | 'address';

/** The score and ban keys: `user:<uuid>`, `address:<sha256 of the /56 or IPv4 address>`. */
export const userSubject = (userId: string): string => `user:${userId}`;
export const addressSubject = (address: string): string => `address:${clientAddressHash(address)}`;

export const subjectKind = (subject: string): BanSubjectKind =>
  subject.startsWith('user:') ? 'user' : 'address';

/** The keys a violation counts under, the user's first. */
export function subjectKeys(subject: ViolationSubject): string[] {
  const keys: string[] = [];
  if (subject.userId) keys.push(userSubject(subject.userId));
  if (subject.address) keys.push(addressSubject(subject.address));
  return keys;
}

/**
 * How long the `strike`-th ban (1 = the first) lasts: that step of the ladder, the last step
 * for every ban past its end. Entries are checked when the setting is written.
 */
export function banDurationMs(ladder: readonly string[], strike: number): number {
  const step = ladder[Math.min(Math.max(strike, 1), ladder.length) - 1];
  const ms = step === undefined ? null : parseDuration(step);
  if (ms === null) throw new Error(`ban_ladder step ${step} is not a duration`);
  return ms;
}
