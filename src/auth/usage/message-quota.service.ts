import { ForbiddenException, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { sha256Hex } from '../../common/hash.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { IPV6_SUBNET_PREFIX } from '../rate-limit/rate-limits.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { TIER_LIMITS } from '../tiers.js';
import { QuotaCounterRepository } from './quota-counter.repository.js';

/**
 * Whose messages are counted: a signed-in user (per UTC day) or a guest session (in total),
 * the guest's client address too (per UTC day, over all its sessions) when it is known.
 */
export type QuotaSubject = { user: AuthUser } | { guestSession: string; address?: string };

/** One count taken: a row of `message_quota`. */
interface QuotaCount {
  subject: string;
  period: string;
}

export interface QuotaTicket {
  /** What was counted, all given back together by a refund. */
  counts: QuotaCount[];
  /** Messages left after this one (the tighter of the counts); null when unlimited. */
  remaining: number | null;
}

/**
 * The address a guest's daily allowance is counted under: req.ip (X-Forwarded-For only with
 * TRUST_PROXY), IPv6 grouped per /56 as the rate limits do, so one customer cannot rotate
 * through their own block; hashed, so the table holds no addresses.
 */
export const guestAddressSubject = (address: string): string =>
  `anon-ip:${sha256Hex(normalizeIp(address, IPV6_SUBNET_PREFIX))}`;

export interface GuestQuotaStatus {
  limit: number;
  remaining: number;
  enabled: boolean;
}

const utcDay = (now = new Date()) => now.toISOString().slice(0, 10);

/**
 * Message limits (spec: chat/daily_limit.py and chat/anon.py), enforced in one SQL statement
 * each, so N parallel sends at the edge never overshoot. A send takes a ticket before the
 * model is called and gives it back if no reply was produced.
 */
@Injectable()
export class MessageQuotaService {
  constructor(
    private readonly settings: SettingsService,
    private readonly counters: QuotaCounterRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** Counts one message, or refuses: 429 for a user over the daily limit, 403 for guests. */
  async consume(subject: QuotaSubject): Promise<QuotaTicket> {
    const { key, period, limit } = await this.limitFor(subject);
    if (limit === 0) throw new ForbiddenException('Guest chat is disabled: please sign up to chat');
    if (limit === null) return { counts: [], remaining: null };
    const used = await this.counters.take(key, period, limit);
    if (used === null) {
      if ('guestSession' in subject) {
        this.metrics.refusals.quotaSpent('guest_session');
        throw new ForbiddenException(`Guests can send ${limit} messages: sign up to keep chatting`);
      }
      this.metrics.refusals.quotaSpent('daily_messages');
      throw new HttpException(
        `Daily message limit reached (${limit} per day); it resets at midnight UTC`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const ticket: QuotaTicket = { counts: [{ subject: key, period }], remaining: limit - used };
    return 'guestSession' in subject && subject.address
      ? this.consumeAddress(ticket, subject.address)
      : ticket;
  }

  /** Gives a ticket back when the message produced no reply (provider error, nothing saved). */
  async refund(ticket: QuotaTicket): Promise<void> {
    for (const { subject, period } of ticket.counts) await this.counters.giveBack(subject, period);
  }

  /**
   * A guest's message also counts against its address for the UTC day, so a new
   * X-Anon-Session (a fresh session allowance) does not mean more messages. Taken after the
   * session's count, which is given back when this one refuses or fails.
   */
  private async consumeAddress(ticket: QuotaTicket, address: string): Promise<QuotaTicket> {
    const limit = await this.settings.get('anon_daily_messages_per_address');
    if (limit === 0) return ticket;
    const count = { subject: guestAddressSubject(address), period: utcDay() };
    let used: number | null;
    try {
      used = await this.counters.take(count.subject, count.period, limit);
    } catch (error) {
      await this.refund(ticket);
      throw error;
    }
    if (used === null) {
      await this.refund(ticket);
      this.metrics.refusals.quotaSpent('guest_address');
      throw new ForbiddenException(
        `This address's daily guest allowance is spent (${limit} messages a day from one ` +
          'address): sign up to keep chatting',
      );
    }
    return {
      counts: [...ticket.counts, count],
      remaining: Math.min(ticket.remaining!, limit - used),
    };
  }

  /**
   * A guest's allowance: what its session may still send, or less when its address (when
   * known) has less left today.
   */
  async guestStatus(session: string | undefined, address?: string): Promise<GuestQuotaStatus> {
    const [limit, addressLimit] = await Promise.all([
      this.settings.get('anon_message_limit'),
      this.settings.get('anon_daily_messages_per_address'),
    ]);
    if (limit === 0) return { limit, remaining: 0, enabled: false };
    const [sessionUsed, addressUsed] = await Promise.all([
      session ? this.counters.used(`anon:${session}`, 'all') : 0,
      address && addressLimit > 0 ? this.counters.used(guestAddressSubject(address), utcDay()) : 0,
    ]);
    const remaining = Math.min(
      limit - sessionUsed,
      address && addressLimit > 0 ? addressLimit - addressUsed : limit,
    );
    return { limit, remaining: Math.max(0, remaining), enabled: true };
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
   * Returns how many rows went.
   */
  async deleteStale(guestIdleDays: number, now = new Date()): Promise<number> {
    const startOfYesterday = new Date(`${utcDay(new Date(now.getTime() - 86_400_000))}T00:00:00Z`);
    return this.counters.deleteIdle(startOfYesterday, now, guestIdleDays);
  }
}
