import { Injectable } from '@nestjs/common';
import { QuotaCounterRepository } from './quota-counter.repository.js';

/** What is counted per subject and UTC day besides messages. */
export type AllowanceKind = 'translation' | 'draft';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Daily caps on LLM work a user can trigger besides chatting (translations of their
 * characters, AI drafts), kept beside the message counts in `message_quota` (subjects
 * `translation:<user id>`, `draft:<user id>`; the quota cleanup removes old days), through
 * the same counters.
 */
@Injectable()
export class DailyAllowanceService {
  constructor(private readonly counters: QuotaCounterRepository) {}

  /** Takes one of today's `limit` for this user; false when none is left. */
  async take(kind: AllowanceKind, userId: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    return (await this.counters.take(`${kind}:${userId}`, today(), limit)) !== null;
  }

  /** Gives back one taken today (the work produced nothing). */
  async giveBack(kind: AllowanceKind, userId: string): Promise<void> {
    await this.counters.giveBack(`${kind}:${userId}`, today());
  }
}
