import { isIP } from 'node:net';

/**
 * Express's `trust proxy` setting, as TRUST_PROXY may give it: off, how many proxies in front
 * of the app append to X-Forwarded-For, or which addresses are trusted proxies. Never Express's
 * `true`, which takes the leftmost X-Forwarded-For entry: the one the client wrote.
 */
export type TrustProxy = false | number | string[];

/** Names proxy-addr (Express) knows for address ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

const isAddressOrRange = (entry: string): boolean => {
  if (NAMED_RANGES.includes(entry) || isIP(entry) !== 0) return true;
  const [address, prefix, extra] = entry.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || extra !== undefined || !/^\d{1,3}$/.test(prefix ?? '')) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
};

export interface ParsedTrustProxy {
  value: TrustProxy;
  /** Set for the deprecated boolean spelling, for a start-up warning. */
  deprecation?: string;
}

/** Null when the value is none of the accepted forms. */
export function parseTrustProxy(raw: string): ParsedTrustProxy | null {
  const value = raw.trim().toLowerCase();
  if (['', 'false', 'no', 'off', '0'].includes(value)) return { value: false };
  if (['true', 'yes', 'on'].includes(value)) {
    return {
      value: 1,
      deprecation:
        `TRUST_PROXY=${raw.trim()} is deprecated and now means 1 (trust the nearest proxy only); ` +
        'set the number of proxies, or their addresses, instead',
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 32 ? { value: hops } : null;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.every(isAddressOrRange) ? { value: entries } : null;
}
