import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { describeError } from '../common/lifecycle/describe-error.js';
import { type LogSink, tapLogs } from '../common/logging/app-logger.js';
import { MailService } from '../common/mail/mail.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';

/** Distinct records kept between digests; the oldest go first (spec: deque(maxlen=50)). */
export const MAX_BUFFERED_ERRORS = 50;
export const ERROR_DIGEST_JOB = 'admin.error_digest';
/** A digest whose mail fails is tried again with backoff, for about half an hour. */
const DIGEST_ATTEMPTS = 6;
/** How long a crash report may take (mail, or queueing it) before the process exits anyway. */
export const CRASH_REPORT_TIMEOUT_MS = 10_000;
const NOTIFIER_CONTEXT = 'ErrorNotifier';
/** Mail's own records: mailing about a failing mail would loop. */
const IGNORED_CONTEXTS = new Set([NOTIFIER_CONTEXT, 'Mail', 'MailService']);
const MAX_MESSAGE_LENGTH = 1_000;
const MAX_STACK_LINES = 8;

type LogRecord = Parameters<LogSink>[0];

interface Entry {
  level: 'error' | 'fatal';
  context: string;
  message: string;
  stack?: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
}

/** One digest, as its job carries it. */
interface Digest {
  subject: string;
  text: string;
}

function text(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  try {
    return JSON.stringify(message);
  } catch {
    return String(message);
  }
}

/**
 * Mails admins what went wrong (spec: utils/error_notifier.py). Every error- and fatal-level
 * record any AppLogger prints is captured in this instance's memory, identical ones counted
 * once, up to 50 kept; every ERROR_DIGEST_INTERVAL_MS the timer turns them into a digest and
 * queues it as an `admin.error_digest` job, which mails ADMIN_EMAILS (retried with backoff
 * when the mail fails); a fatal record queues its digest at once. The `notify_errors` setting
 * switches it; its own and the mail service's records are ignored. A crash (reportCrash) is
 * mailed straight away, with everything not mailed yet.
 */
@Injectable()
export class ErrorNotifier
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(NOTIFIER_CONTEXT);
  private entries = new Map<string, Entry>();
  private dropped = 0;
  private untap?: () => void;
  private timer?: NodeJS.Timeout;
  /** The process is dying: reportCrash mails the records, no digest job takes them. */
  private crashing = false;

  constructor(
    private readonly mail: MailService,
    private readonly settings: SettingsService,
    private readonly jobs: JobQueue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<Digest>(ERROR_DIGEST_JOB, (digest) => this.send(digest));
  }

  onApplicationBootstrap(): void {
    this.untap = tapLogs((record) => this.capture(record));
    this.timer = setInterval(() => void this.flush(), this.config.log.errorDigestIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.untap?.();
    clearInterval(this.timer);
    await this.flush();
  }

  private capture(record: LogRecord): void {
    if (record.level !== 'error' && record.level !== 'fatal') return;
    const context = record.context ?? '';
    if (IGNORED_CONTEXTS.has(context)) return;
    const message = text(record.message).slice(0, MAX_MESSAGE_LENGTH);
    const key = `${record.level}\u0000${context}\u0000${message}`;
    const now = new Date();
    const existing = this.entries.get(key);
    if (existing) {
      existing.count++;
      existing.lastAt = now;
    } else {
      if (this.entries.size >= MAX_BUFFERED_ERRORS) {
        this.entries.delete(this.entries.keys().next().value!);
        this.dropped++;
      }
      const stack = typeof record.stack === 'string' ? record.stack : undefined;
      this.entries.set(key, {
        level: record.level,
        context,
        message,
        stack: stack?.split('\n').slice(0, MAX_STACK_LINES).join('\n'),
        count: 1,
        firstAt: now,
        lastAt: now,
      });
    }
    if (record.level === 'fatal' && !this.crashing) {
      void this.flush().then(() => this.jobs.runSoon());
    }
  }

  /**
   * The process is dying of an uncaught exception or unhandled rejection (main.ts): logs it at
   * fatal level and mails it to ADMIN_EMAILS at once, in one digest with every record not
   * mailed yet, straight from here rather than through the queue (this instance will not poll
   * again). Should the mail fail, the digest is queued for another instance to send. Within
   * CRASH_REPORT_TIMEOUT_MS; never throws.
   */
  async reportCrash(error: unknown, origin: string): Promise<void> {
    this.crashing = true;
    const what = origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception';
    const stack = error instanceof Error && error.stack ? `\n${error.stack}` : '';
    new Logger('Process').fatal(`${what}: ${describeError(error)}${stack}`);
    this.untap?.();
    clearInterval(this.timer);
    const entries = [...this.entries.values()];
    const dropped = this.dropped;
    this.entries = new Map();
    this.dropped = 0;
    const to = this.config.auth.adminEmails;
    if (to.length === 0 || entries.length === 0) return;
    const report = async () => {
      if (!(await this.settings.get('notify_errors').catch(() => true))) return;
      const digest = digestOf(entries, dropped, this.config.site.name);
      try {
        await this.mail.send({ to, subject: digest.subject, text: digest.text });
      } catch (failure) {
        this.logger.warn(`Crash report not mailed, queued: ${(failure as Error).message}`);
        await this.jobs.enqueue(ERROR_DIGEST_JOB, digest, { maxAttempts: DIGEST_ATTEMPTS });
      }
    };
    await Promise.race([
      report().catch((failure: unknown) =>
        this.logger.warn(`Crash report lost: ${(failure as Error).message}`),
      ),
      delay(CRASH_REPORT_TIMEOUT_MS, undefined, { ref: false }),
    ]);
  }

  /**
   * Queues a digest of what was captured since the last one (nothing when there is nothing);
   * never throws. Should the queue be out of reach (the database down), the records stay for
   * the next digest.
   */
  async flush(): Promise<void> {
    if (this.entries.size === 0) return;
    const entries = this.entries;
    const dropped = this.dropped;
    this.entries = new Map();
    this.dropped = 0;
    if (this.config.auth.adminEmails.length === 0) return;
    // An unreadable setting must not hide errors: the default (on) applies.
    const enabled = await this.settings.get('notify_errors').catch(() => true);
    if (!enabled) return;
    try {
      await this.jobs.enqueue(
        ERROR_DIGEST_JOB,
        digestOf([...entries.values()], dropped, this.config.site.name),
        {
          maxAttempts: DIGEST_ATTEMPTS,
        },
      );
    } catch (error) {
      this.logger.warn(
        `Error digest not queued, kept for the next one: ${(error as Error).message}`,
      );
      this.keep(entries, dropped);
    }
  }

  /** The job: mails the digest to ADMIN_EMAILS; a failed send throws, so it is retried. */
  private async send(digest: Digest): Promise<void> {
    const to = this.config.auth.adminEmails;
    if (to.length === 0) return;
    await this.mail.send({ to, subject: digest.subject, text: digest.text });
  }

  /** Puts records a digest could not take back in front of those captured since. */
  private keep(entries: Map<string, Entry>, dropped: number): void {
    for (const [key, entry] of this.entries) {
      const kept = entries.get(key);
      if (kept) {
        kept.count += entry.count;
        kept.lastAt = entry.lastAt;
      } else {
        entries.set(key, entry);
      }
    }
    this.dropped += dropped;
    while (entries.size > MAX_BUFFERED_ERRORS) {
      entries.delete(entries.keys().next().value!);
      this.dropped++;
    }
    this.entries = entries;
  }
}

/** The mail of a digest: a subject naming the first fatal record, or how many errors. */
function digestOf(entries: Entry[], dropped: number, site: string): Digest {
  const total = entries.reduce((sum, entry) => sum + entry.count, 0) + dropped;
  const fatal = entries.find((entry) => entry.level === 'fatal');
  return {
    subject: fatal
      ? `[${site}] FATAL: ${fatal.message.split('\n', 1)[0].slice(0, 120)}`
      : `[${site}] ${total} error${total === 1 ? '' : 's'} logged`,
    text: [
      `${total} error-level record(s), ${entries.length} distinct, up to ${new Date().toISOString()}:`,
      ...(dropped > 0 ? [`(${dropped} older distinct record(s) were dropped)`] : []),
      '',
      ...entries.flatMap((entry) => [
        `[${entry.level.toUpperCase()}] ${entry.context || '-'} ×${entry.count} ` +
          `(first ${entry.firstAt.toISOString()}, last ${entry.lastAt.toISOString()})`,
        entry.message,
        ...(entry.stack ? [entry.stack] : []),
        '',
      ]),
    ].join('\n'),
  };
}
