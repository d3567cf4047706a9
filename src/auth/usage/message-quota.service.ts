import { ForbiddenException, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { TIER_LIMITS } from '../tiers.js';
import { QuotaCounterRepository } from './quota-counter.repository.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';

/** Whose messages are counted: a signed-in user (per UTC day) or a guest session (in total). */
export type QuotaSubject = { user: AuthUser } | { guestSession: string };

export interface QuotaTicket {
  subject: string;
  period: string;
  /** Messages left after this one; null when unlimited. */
  remaining: number | null;
}

export interface GuestQuotaStatus {
  limit: number;
  remaining: number;
  enabled: boolean;
}

const utcDay = (now = new Date()) => now.toISOString().slice(0, 10);

/** Rows the daily cleanup deletes per statement: short statements, little lock time. */
const CLEANUP_BATCH = 10_000;

/**
 * Message limits (spec: chat/daily_limit.py and chat/anon.py), enforced in one SQL statement
 * each, so N parallel sends at the edge never overshoot. A send takes a ticket before the
 * model is called and gives it back if no reply was produced.
 */
@Injectable()
export class MessageQuotaService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settings: SettingsService,
    private readonly counters: QuotaCounterRepository,
  ) {}

  /** Counts one message, or refuses: 429 for a user over the daily limit, 403 for guests. */
  async consume(subject: QuotaSubject): Promise<QuotaTicket> {
    const { key, period, limit } = await this.limitFor(subject);
    if (limit === 0) throw new ForbiddenException('Guest chat is disabled: please sign up to chat');
    if (limit === null) return { subject: key, period, remaining: null };
    const used = await this.counters.take(key, period, limit);
    if (used === null) {
      if ('guestSession' in subject) {
        throw new ForbiddenException(`Guests can send ${limit} messages: sign up to keep chatting`);
      }
      throw new HttpException(
        `Daily message limit reached (${limit} per day); it resets at midnight UTC`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return { subject: key, period, remaining: limit - used };
  }

  /** Gives a ticket back when the message produced no reply (provider error, nothing saved). */
  async refund(ticket: QuotaTicket): Promise<void> {
    if (ticket.remaining === null) return;
    await this.counters.giveBack(ticket.subject, ticket.period);
  }

  async guestStatus(session: string | undefined): Promise<GuestQuotaStatus> {
    const limit = await this.settings.get('anon_message_limit');
    if (!session || limit === 0) return { limit, remaining: limit, enabled: limit > 0 };
    const rows = (await this.dataSource.query(
      `SELECT used FROM message_quota WHERE subject = $1 AND period = 'all'`,
      [`anon:${session}`],
    )) as Array<{ used: number }>;
    return { limit, remaining: Math.max(0, limit - (rows[0]?.used ?? 0)), enabled: true };
  }

  private async limitFor(
    subject: QuotaSubject,
  ): Promise<{ key: string; period: string; limit: number | null }> {
    if ('guestSession' in subject) {
      return {
        key: `anon:${subject.guestSession}`,
        period: 'all',
        limit: await this.settings.get('anon_message_limit'),
      };
    }
    const { tier, id } = subject.user;
    const limit =
      TIER_LIMITS[tier].dailyMessages === null
        ? null
        : await this.settings.get('daily_message_limit');
    return { key: `user:${id}`, period: utcDay(), limit };
  }

  /**
   * Deletes counts nobody reads any more: users' days before yesterday (yesterday stays for
   * the refund of a reply that ran past midnight) and guest sessions idle for
   * `guestIdleDays` (a guest back after that starts a new allowance, as a new session would).
   * In batches, by the updated_at index. Returns how many rows went.
   */
  async deleteStale(guestIdleDays: number, now = new Date()): Promise<number> {
    const startOfYesterday = new Date(`${utcDay(new Date(now.getTime() - 86_400_000))}T00:00:00Z`);
    return deleteInBatches(
      this.dataSource,
      `DELETE FROM message_quota WHERE ctid IN (
         SELECT ctid FROM message_quota
         WHERE updated_at < $1
           AND (period <> 'all' OR updated_at < $2::timestamptz - make_interval(days => $3))
         LIMIT $4)`,
      [startOfYesterday, now, guestIdleDays],
      CLEANUP_BATCH,
    );
  }
}
