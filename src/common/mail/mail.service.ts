import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { htmlFromText } from './mail-html.js';

export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
  /** Default: the text, escaped, with clickable links and paragraphs (htmlFromText). */
  html?: string;
}

/** What the transports send: a sender, and always both parts. */
type OutgoingMail = MailMessage & { from: string; html: string };

export type MailTransportName = 'resend' | 'smtp' | 'console';

interface MailTransport {
  readonly name: MailTransportName;
  send(message: OutgoingMail): Promise<void>;
}

class ResendTransport implements MailTransport {
  readonly name = 'resend';
  constructor(private readonly options: { apiKey: string; apiUrl: string }) {}

  async send(message: OutgoingMail): Promise<void> {
    const response = await fetch(`${this.options.apiUrl}/emails`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${this.options.apiKey}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        from: message.from,
        to: Array.isArray(message.to) ? message.to : [message.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Resend answered HTTP ${response.status}`);
  }
}

class SmtpTransport implements MailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;
  constructor(options: NonNullable<AppConfig['mail']['smtp']>) {
    this.transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      auth: options.user ? { user: options.user, pass: options.password } : undefined,
    });
  }

  async send(message: OutgoingMail): Promise<void> {
    await this.transporter.sendMail(message);
  }
}

/**
 * Logs mail instead of sending it. Developers need the whole text (the reset link); in
 * production the body may hold a secret (a reset link is a password for an hour) and logs
 * travel far, so only who and what is logged.
 */
class ConsoleTransport implements MailTransport {
  readonly name = 'console';
  private readonly logger = new Logger('Mail');

  constructor(private readonly withBody: boolean) {}

  async send(message: OutgoingMail): Promise<void> {
    const head = `To: ${String(message.to)} | Subject: ${message.subject}`;
    this.logger.log(
      this.withBody ? `${head}\n${message.text}` : `${head} (not sent; body not logged)`,
    );
  }
}

/**
 * Sends mail through the first configured transport: Resend's HTTP API, then SMTP, then the
 * console (development default; warned about in production), as text and HTML (made from the
 * text unless given). Every message is also kept in `outbox`, newest last, so tests and the
 * admin UI can see what was sent.
 */
@Injectable()
export class MailService implements OnModuleInit {
  private readonly transport: MailTransport;
  private readonly logger = new Logger(MailService.name);
  readonly outbox: Array<OutgoingMail & { transport: MailTransportName }> = [];

  constructor(@InjectConfig() private readonly config: AppConfig) {
    const { resend, smtp } = config.mail;
    this.transport = resend
      ? new ResendTransport(resend)
      : smtp
        ? new SmtpTransport(smtp)
        : new ConsoleTransport(config.env !== 'production');
  }

  onModuleInit(): void {
    if (this.transport.name === 'console' && this.config.env === 'production') {
      this.logger.warn(
        'No mail provider is configured (RESEND_API_KEY or SMTP_HOST): password reset links ' +
          'and admin alerts are not delivered',
      );
    }
  }

  get transportName(): MailTransportName {
    return this.transport.name;
  }

  async send(message: MailMessage): Promise<void> {
    const full: OutgoingMail = {
      ...message,
      html: message.html ?? htmlFromText(message.text),
      from: this.config.mail.from,
    };
    this.outbox.push({ ...full, transport: this.transport.name });
    if (this.outbox.length > 100) this.outbox.shift();
    await this.transport.send(full);
  }

  /** For alerts: never throws and never delays the caller. */
  sendInBackground(message: MailMessage): void {
    this.send(message).catch((error: unknown) =>
      this.logger.warn(`Mail "${message.subject}" not sent: ${(error as Error).message}`),
    );
  }

  /** Mails every ADMIN_EMAILS address (no-op when none is configured). */
  notifyAdmins(subject: string, text: string): void {
    if (this.config.auth.adminEmails.length === 0) return;
    this.sendInBackground({ to: this.config.auth.adminEmails, subject, text });
  }
}
