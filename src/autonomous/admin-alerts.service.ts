import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { MailService } from '../common/mail/mail.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { AdminAlertRepository } from './admin-alert.repository.js';

export const ADMIN_ALERT_JOB = 'admin.alert';
/** A condition that lasts is mailed again at most this often. */
export const ALERT_REPEAT_MS = 60 * 60_000;
/** An alert whose mail fails is tried again with backoff, for about half an hour. */
const ALERT_ATTEMPTS = 6;

/** One alert mail, as its job carries it. */
export interface AlertMail {
  subject: string;
  text: string;
}

/**
 * Mails the admins when something needs them (every LLM provider failing, one provider's
 * failure rate, a scheduled task failing) and when it is over. A condition is keyed
 * (`llm.outage`, `task.cleanup`): the first raise mails, a raise while it lasts mails again
 * at most hourly, and the resolve that ends it mails the recovery. The state is shared by
 * every instance (admin_alert), so each change is mailed once; the mail is an `admin.alert`
 * job, retried with backoff when sending fails. Nothing happens without ADMIN_EMAILS.
 */
@Injectable()
export class AdminAlerts implements OnModuleInit {
  private readonly logger = new Logger('AdminAlerts');

  constructor(
    private readonly alerts: AdminAlertRepository,
    private readonly jobs: JobQueue,
    private readonly mail: MailService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<AlertMail>(ADMIN_ALERT_JOB, (mail) => this.send(mail));
  }

  /**
   * The condition `key` holds as of `now`: queues `alert` (its subject gets "ALERT", or
   * "STILL FAILING" on a reminder) unless it was mailed within the hour. True when mailed.
   */
  async raise(key: string, alert: AlertMail, now = new Date()): Promise<boolean> {
    if (this.config.auth.adminEmails.length === 0) return false;
    const result = await this.alerts.raise(key, now, ALERT_REPEAT_MS);
    if (!result) return false;
    const label = result === 'opened' ? 'ALERT' : 'STILL FAILING';
    this.logger.warn(`${label}: ${alert.subject}`);
    await this.queue({ subject: this.subject(label, alert.subject), text: alert.text });
    return true;
  }

  /**
   * The condition `key` is over as of `now`: when it was on, queues the mail `recovery` makes
   * of the time it began. True when mailed.
   */
  async resolve(
    key: string,
    recovery: (openedAt: Date) => AlertMail,
    now = new Date(),
  ): Promise<boolean> {
    if (this.config.auth.adminEmails.length === 0) return false;
    const openedAt = await this.alerts.resolve(key, now);
    if (!openedAt) return false;
    const mail = recovery(openedAt);
    this.logger.log(`RECOVERED: ${mail.subject}`);
    await this.queue({ subject: this.subject('RECOVERED', mail.subject), text: mail.text });
    return true;
  }

  private subject(label: string, subject: string): string {
    return `[${this.config.site.name}] ${label}: ${subject}`;
  }

  private queue(mail: AlertMail): Promise<void> {
    return this.jobs.enqueue(ADMIN_ALERT_JOB, mail, { maxAttempts: ALERT_ATTEMPTS });
  }

  /** The job: mails ADMIN_EMAILS; a failed send throws, so it is retried. */
  private async send(mail: AlertMail): Promise<void> {
    const to = this.config.auth.adminEmails;
    if (to.length === 0) return;
    await this.mail.send({ to, subject: mail.subject, text: mail.text });
  }
}

/** "42 min", "3 h 5 min": how long something lasted, for a mail. */
export function lasted(fromMs: number, toMs: number): string {
  const minutes = Math.max(0, Math.round((toMs - fromMs) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
