import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type LogSink, tapLogs } from '../common/logging/app-logger.js';
import { MailService } from '../common/mail/mail.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';

/** Distinct records kept between digests; the oldest go first (spec: deque(maxlen=50)). */
export const MAX_BUFFERED_ERRORS = 50;
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
 * record any AppLogger prints is captured, identical ones counted once, up to 50 kept, and a
 * digest goes to ADMIN_EMAILS every ERROR_DIGEST_INTERVAL_MS; a fatal record sends at once.
 * The `notify_errors` setting switches it; its own and the mail service's records are ignored.
 */
@Injectable()
export class ErrorNotifier implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private dropped = 0;
  private untap?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly mail: MailService,
    private readonly settings: SettingsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

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
    if (record.level === 'fatal') void this.flush();
  }

  /** Mails what was captured since the last digest (nothing when there is nothing). */
  async flush(): Promise<void> {
    if (this.entries.size === 0) return;
    const entries = [...this.entries.values()];
    const dropped = this.dropped;
    this.entries.clear();
    this.dropped = 0;
    if (this.config.auth.adminEmails.length === 0) return;
    // An unreadable setting must not hide errors: the default (on) applies.
    const enabled = await this.settings.get('notify_errors').catch(() => true);
    if (!enabled) return;
    const total = entries.reduce((sum, entry) => sum + entry.count, 0) + dropped;
    const fatal = entries.find((entry) => entry.level === 'fatal');
    const site = this.config.site.name;
    this.mail.notifyAdmins(
      fatal
        ? `[${site}] FATAL: ${fatal.message.slice(0, 120)}`
        : `[${site}] ${total} error${total === 1 ? '' : 's'} logged`,
      [
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
    );
  }
}
