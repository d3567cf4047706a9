import { normalizeIp } from '@nestjs/throttler';
import { sha256Hex } from '../../common/hash.js';

/**
 * IPv6 clients count per /56, the smallest block ISPs commonly hand a customer: one customer
 * can rotate through the addresses of their own block, not through other customers'.
 */
export const IPV6_SUBNET_PREFIX = 56;

/**
 * A client address as every per-address count keeps it: IPv6 grouped per /56, hashed, so no
 * table holds addresses. (The guest address quota hashes the same way.)
 */
export const clientAddressHash = (address: string): string =>
  sha256Hex(normalizeIp(address, IPV6_SUBNET_PREFIX));
