import type { EntityManager } from 'typeorm';

/**
 * Takes PostgreSQL's transaction-scoped advisory lock named `key` (hashed to a bigint), held
 * until the transaction ends: what must be counted and written as one step (a limit checked
 * before an insert) is, by one transaction at a time per key. Keys carry their kind
 * ("persona:<user>") so different kinds never share a lock.
 */
export async function lockForTransaction(manager: EntityManager, key: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
}
