import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { MailService } from '../common/mail/mail.service.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { Clock } from '../llm/clock.js';
import { NotificationRepository, type NotificationRow } from './notification.repository.js';
import {
  type DigestKind,
  type NewChatsRow,
  type NewVotesRow,
  NotificationSettingsRepository,
  type Recipient,
} from './notification-settings.repository.js';
import type { NotificationType } from './notification-types.js';
import { UnsubscribeTokens } from './unsubscribe-token.js';

export const DIGEST_JOB = 'notifications.digest';
/** Users queued per kind per scheduled run; the rest follow at the next run. */
const DIGESTS_PER_RUN = 1000;
const WEEKLY_ITEMS = 20;
/** Characters listed with their new chats, and with their new votes, in a creator's digest. */
const NEW_CHAT_LINES = 20;
const NEW_VOTE_LINES = 20;
const DAY_MS = 24 * 60 * 60_000;
const CREATOR_TYPES: NotificationType[] = [
  'character_forked',
  'character_favorited',
  'vote_milestone',
];

interface DigestJob {
  userId: string;
  kind: DigestKind;
  period: string;
}

/** ISO 8601 week of `at` (UTC), e.g. 2026-W50: the weekly digest's period. */
export function isoWeek(at: number): string {
  const start = new Date(at);
  const date = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  // The Thursday of this week decides its year.
  date.setUTCDate(date.getUTCDate() + 4 - (date.getUTCDay() || 7));
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const periodOf = (kind: DigestKind, at: number) =>
  kind === 'weekly' ? isoWeek(at) : new Date(at).toISOString().slice(0, 10);

/**
 * The digest mails: weekly, the unread notifications (proactive messages among them); daily,
 * a creator's "your characters" (new chats with them, new votes on them, forks, favorites,
 * vote milestones of the last day). A
 * scheduled task only queues one `notifications.digest` job per user and period (dedupe key);
 * the job takes the period's digest_delivery row before it mails, so two instances, two
 * queued jobs or a retry after the mail went out send it once; a failed mail gives the row
 * back and the job retries.
 */
@Injectable()
export class DigestService implements OnModuleInit {
  private readonly logger = new Logger(DigestService.name);
  readonly tokens: UnsubscribeTokens;

  constructor(
    private readonly notifications: NotificationRepository,
    private readonly settings: NotificationSettingsRepository,
    private readonly jobs: JobQueue,
    private readonly mail: MailService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.tokens = new UnsubscribeTokens(config.auth.jwtSecret);
  }

  onModuleInit(): void {
    this.jobs.register<DigestJob>(DIGEST_JOB, (job) => this.send(job));
  }

  /** Queues the digests due now (the scheduled task); returns how many were queued. */
  async enqueueDue(): Promise<Record<DigestKind, number>> {
    const now = this.clock.now();
    const queued: Record<DigestKind, number> = { weekly: 0, creator_daily: 0 };
    for (const kind of ['weekly', 'creator_daily'] as const) {
      const period = periodOf(kind, now);
      const due = await this.settings.dueForDigest(kind, period, new Date(now), DIGESTS_PER_RUN);
      for (const user of due) {
        const job: DigestJob = { userId: user.id, kind, period };
        await this.jobs.enqueue(DIGEST_JOB, job, {
          dedupeKey: `${kind}:${user.id}:${period}`,
          whenIdle: true,
          maxAttempts: 3,
        });
      }
      queued[kind] = due.length;
    }
    return queued;
  }

  /** The link that turns the digest off without signing in. */
  unsubscribeLink(userId: string, kind: DigestKind): string {
    const token = this.tokens.sign(userId, kind);
    return `${this.config.frontendUrl}/api/notifications/unsubscribe?token=${token}`;
  }

  /** Turns off the digest a token names; false when the token is not ours. */
  async unsubscribe(token: string): Promise<DigestKind | null> {
    const found = this.tokens.verify(token);
    if (!found) return null;
    await this.settings.unsubscribe(found.userId, found.kind);
    return found.kind;
  }

  private async send({ userId, kind, period }: DigestJob): Promise<void> {
    const now = this.clock.now();
    const recipient = await this.settings.recipient(userId, kind, new Date(now));
    if (!recipient) return;
    const since = new Date(now - DAY_MS);
    const items =
      kind === 'weekly'
        ? await this.notifications.unread(userId, WEEKLY_ITEMS)
        : await this.notifications.since(userId, since, CREATOR_TYPES);
    const creator = kind === 'creator_daily';
    const activity: CreatorActivity = {
      chats: creator ? await this.settings.newChats(userId, since, NEW_CHAT_LINES) : [],
      votes: creator ? await this.settings.newVotes(userId, since, NEW_VOTE_LINES) : [],
    };
    if (items.length === 0 && activity.chats.length === 0 && activity.votes.length === 0) return;
    if (!(await this.settings.claimDelivery(userId, kind, period))) return;
    try {
      await this.mail.send(this.compose(recipient, kind, items, activity));
    } catch (error) {
      await this.settings.releaseDelivery(userId, kind, period);
      throw error;
    }
    this.metrics.notifications.digestSent(kind);
    this.logger.log(`Digest ${kind} ${period} mailed to user ${userId}`);
  }

  private compose(
    recipient: Recipient,
    kind: DigestKind,
    items: NotificationRow[],
    activity: CreatorActivity,
  ) {
    const site = this.config.site.name;
    const hello = `Hello${recipient.display_name ? ` ${recipient.display_name}` : ''},`;
    const lines = [
      ...activity.chats.map((row) => `- ${describeNewChats(row)}`),
      ...activity.votes.map((row) => `- ${describeNewVotes(row)}`),
      ...items.map((item) => `- ${describe(item)}`),
    ];
    const intro =
      kind === 'weekly'
        ? `here is what is waiting for you on ${site}:`
        : `here is what happened to your characters on ${site} in the last day:`;
    const text = [
      hello,
      '',
      intro,
      '',
      ...lines,
      '',
      `Open ${this.config.frontendUrl} to read more.`,
      '',
      `To stop these emails: ${this.unsubscribeLink(recipient.id, kind)}`,
    ].join('\n');
    return {
      to: recipient.email,
      subject: kind === 'weekly' ? `Your week on ${site}` : `Your characters on ${site} today`,
      text,
    };
  }
}

/** What a creator's digest reads from chats and votes (notifications are the rest). */
interface CreatorActivity {
  chats: NewChatsRow[];
  votes: NewVotesRow[];
}

/** A creator digest's line for one character's new votes. */
export function describeNewVotes({ character_name, up, down }: NewVotesRow): string {
  const total = up + down;
  return `${character_name} got ${total} new ${total === 1 ? 'vote' : 'votes'} (${up} up, ${down} down)`;
}

/** A creator digest's line for one character's new chats. */
export function describeNewChats({ character_name, chats }: NewChatsRow): string {
  return `${character_name} was in ${chats} new ${chats === 1 ? 'chat' : 'chats'}`;
}

/** One line of a digest, from the notification's public metadata. */
export function describe(item: NotificationRow): string {
  const name = String(item.metadata.character_name ?? 'A character');
  const times = item.count > 1 ? ` ${item.count} times` : '';
  switch (item.type) {
    case 'character_forked':
      return `${name} was forked${times}`;
    case 'character_favorited':
      return `${name} was made a favorite${times}`;
    case 'vote_milestone':
      return `${name} reached ${String(item.metadata.milestone)} votes`;
    case 'report_decided':
      return `A report on ${name} was decided (${String(item.metadata.status)})`;
    case 'character_moderated':
      return item.metadata.decision === 'held_for_review'
        ? `${name} waits for a moderator before it is listed again`
        : `${name} was ${String(item.metadata.decision)} by moderation`;
    case 'reply_ready':
      return `${name} answered you`;
    case 'proactive_message':
      return `${name} wrote to you: "${String(item.metadata.excerpt ?? '')}"`;
  }
}
