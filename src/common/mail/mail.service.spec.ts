import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration } from '../../config/configuration.js';
import { MailService } from './mail.service.js';

const config = (env: Record<string, string> = {}) =>
  loadConfiguration({ DATA_DIR: mkdtempSync(join(tmpdir(), 'mail-spec-')), ...env });

const RESEND = { RESEND_API_KEY: 're_test', RESEND_API_URL: 'http://resend.test' };
const SMTP = { SMTP_HOST: 'smtp.test', SMTP_PORT: '2525' };

/** Text a mail might carry from user input or configuration (a site name, a link). */
const HOSTILE_TEXT = 'Hello <b>Bob</b> & co\n\nOpen https://site.test/a?b=1&c=2 now.';

function expectEscapedHtml(html: string): void {
  expect(html).toContain('Hello &lt;b&gt;Bob&lt;/b&gt; &amp; co');
  expect(html).not.toContain('<b>');
  expect(html).toContain(
    '<a href="https://site.test/a?b=1&amp;c=2">https://site.test/a?b=1&amp;c=2</a> now.',
  );
  expect(html.match(/<p>/g)).toHaveLength(2);
}

describe('MailService transport selection', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('prefers Resend, then SMTP, then the console', () => {
    expect(new MailService(config({ ...RESEND, ...SMTP })).transportName).toBe('resend');
    expect(new MailService(config(SMTP)).transportName).toBe('smtp');
    expect(new MailService(config()).transportName).toBe('console');
  });

  it('posts to the Resend API with the key and keeps the message in the outbox', async () => {
    const fetch = jest
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response('{"id":"1"}', { status: 200 }));
    const mail = new MailService(config({ ...RESEND, MAIL_FROM: 'Site <no-reply@site.test>' }));

    await mail.send({ to: 'alice@example.com', subject: 'Hi', text: HOSTILE_TEXT });

    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('http://resend.test/emails');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer re_test');
    const sent = JSON.parse(init.body as string);
    expect(sent).toMatchObject({
      from: 'Site <no-reply@site.test>',
      to: ['alice@example.com'],
      subject: 'Hi',
      text: HOSTILE_TEXT,
    });
    expectEscapedHtml(sent.html);
    expect(mail.outbox).toEqual([
      expect.objectContaining({ to: 'alice@example.com', transport: 'resend', html: sent.html }),
    ]);
  });

  it('sends text and HTML over SMTP as one multipart/alternative message', async () => {
    // The real nodemailer, writing the MIME message to a buffer instead of a server.
    const createTransport = nodemailer.createTransport.bind(nodemailer);
    let sent: Promise<{ message: unknown }> | undefined;
    jest.spyOn(nodemailer, 'createTransport').mockImplementation((() => {
      const transporter = createTransport({ streamTransport: true, buffer: true });
      const sendMail = transporter.sendMail.bind(transporter);
      transporter.sendMail = ((message: object) => (sent = sendMail(message))) as never;
      return transporter;
    }) as never);
    const mail = new MailService(config(SMTP));

    await mail.send({ to: 'alice@example.com', subject: 'Hi', text: HOSTILE_TEXT });

    const mime = String((await sent!).message); // a Buffer, with `buffer: true`
    expect(mime).toMatch(/Content-Type: multipart\/alternative/);
    expect(mime).toMatch(/Content-Type: text\/plain/);
    expect(mime).toMatch(/Content-Type: text\/html/);
    expectEscapedHtml(mail.outbox[0].html);
  });

  it('surfaces a Resend failure to send() and only logs it in the background', async () => {
    jest.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('no', { status: 422 }));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const mail = new MailService(config(RESEND));

    await expect(mail.send({ to: 'a@example.com', subject: 'S', text: 'T' })).rejects.toThrow(
      'Resend answered HTTP 422',
    );
    mail.sendInBackground({ to: 'a@example.com', subject: 'Alert', text: 'T' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(warn).toHaveBeenCalledWith('Mail "Alert" not sent: Resend answered HTTP 422');
  });

  describe('without a provider', () => {
    const reset = {
      to: 'alice@example.com',
      subject: 'Site: reset your password',
      text: 'Open http://frontend.test/reset-password?token=SECRET-TOKEN within 60 minutes',
    };
    const PRODUCTION = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      FRONTEND_URL: 'https://example.com',
    };

    it('logs the whole mail in development, for the developer to follow the link', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const mail = new MailService(config());
      mail.onModuleInit();
      await mail.send(reset);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('token=SECRET-TOKEN'));
      expect(warn).not.toHaveBeenCalled();
    });

    it('logs only recipient and subject in production, and warns once at start-up', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const mail = new MailService(config(PRODUCTION));
      mail.onModuleInit();
      await mail.send(reset);
      await mail.send(reset);

      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('No mail provider is configured (RESEND_API_KEY or SMTP_HOST)'),
      );
      expect(log).toHaveBeenCalledWith(
        'To: alice@example.com | Subject: Site: reset your password (not sent; body not logged)',
      );
      const logged = JSON.stringify([...log.mock.calls, ...warn.mock.calls]);
      expect(logged).not.toContain('SECRET-TOKEN');
      expect(logged).not.toContain('reset-password?');
    });

    it('does not warn in production when a provider is configured', () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      new MailService(config({ ...PRODUCTION, ...SMTP })).onModuleInit();
      expect(warn).not.toHaveBeenCalled();
    });
  });

  it('mails the admins only when ADMIN_EMAILS lists some', () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const none = new MailService(config());
    none.notifyAdmins('Subject', 'Text');
    expect(none.outbox).toEqual([]);

    const some = new MailService(config({ ADMIN_EMAILS: 'a@example.com,b@example.com' }));
    some.notifyAdmins('Subject', 'Text');
    expect(some.outbox).toEqual([
      expect.objectContaining({ to: ['a@example.com', 'b@example.com'], transport: 'console' }),
    ]);
  });
});
