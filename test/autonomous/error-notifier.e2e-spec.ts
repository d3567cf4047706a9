import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MailService } from '../../src/common/mail/mail.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { ADMIN_EMAIL, waitFor } from './autonomous-support.js';

const DIGEST_MS = 1000;

describe('error notifier', () => {
  let t: TestApp;
  let mail: MailService;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        ADMIN_EMAILS: ADMIN_EMAIL,
        SITE_NAME: 'Velvet',
        ERROR_DIGEST_INTERVAL_MS: `${DIGEST_MS}`,
        // A digest is a job: the poller sends it.
        JOBS_POLL_INTERVAL_MS: '100',
      },
    });
    mail = t.app.get(MailService);
  });

  beforeEach(async () => {
    await t.app.get(SettingsService).set('notify_errors', true);
    mail.outbox.length = 0;
  });

  afterAll(async () => {
    await t?.close();
  });

  const digests = () => mail.outbox.filter((sent) => sent.subject.startsWith('[Velvet]'));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const digestJobs = () =>
    t.dataSource.query<Array<{ status: string; attempts: number; last_error: string | null }>>(
      `SELECT status, attempts, last_error FROM job WHERE type = 'admin.error_digest' ORDER BY id`,
    );

  it('batches and dedupes error records into one digest, ignoring its own and the mail service’s', async () => {
    const payments = new Logger('Payments');
    payments.error('card declined');
    payments.error('card declined');
    payments.error('card declined');
    new Logger('Search').error('index gone', 'Error: index gone\n    at search (search.ts:1:1)');
    payments.warn('just a warning');
    new Logger('ErrorNotifier').error('about myself');
    new Logger('Mail').error('smtp down');
    new Logger('MailService').error('resend down');
    expect(digests()).toEqual([]);

    const [digest] = await waitFor(async () => digests().length > 0 && digests());
    await pause(DIGEST_MS * 1.5);

    expect(digests()).toHaveLength(1);
    expect(digest.to).toEqual([ADMIN_EMAIL]);
    expect(digest.subject).toBe('[Velvet] 4 errors logged');
    expect(digest.text).toMatch(/4 error-level record\(s\), 2 distinct/);
    expect(digest.text).toMatch(/\[ERROR\] Payments ×3 .*\ncard declined/);
    expect(digest.text).toMatch(
      /\[ERROR\] Search ×1 .*\nindex gone\nError: index gone\n {4}at search/,
    );
    for (const ignored of ['just a warning', 'about myself', 'smtp down', 'resend down']) {
      expect(digest.text).not.toContain(ignored);
    }
  });

  it('mails a fatal record at once', async () => {
    new Logger('Payments').error('before the crash');
    new Logger('Database').fatal('pool exhausted');
    const [digest] = await waitFor(async () => digests().length > 0 && digests(), DIGEST_MS / 2);
    expect(digest.subject).toBe('[Velvet] FATAL: pool exhausted');
    expect(digest.text).toContain('before the crash');
    expect(digest.text).toMatch(/\[FATAL\] Database ×1/);
  });

  it('keeps the 50 most recent distinct records', async () => {
    for (let i = 0; i < 60; i++) new Logger('Bulk').error(`failure ${i}`);
    const [digest] = await waitFor(async () => digests().length > 0 && digests());
    expect(digest.subject).toBe('[Velvet] 60 errors logged');
    expect(digest.text).toMatch(/10 older distinct record\(s\) were dropped/);
    expect(digest.text).not.toContain('failure 9\n');
    expect(digest.text).toContain('failure 10\n');
    expect(digest.text).toContain('failure 59\n');
  });

  it('queues each digest as a job, retried with backoff when its mail fails', async () => {
    const before = (await digestJobs()).length;
    const send = jest.spyOn(mail, 'send').mockRejectedValueOnce(new Error('smtp down'));
    try {
      new Logger('Payments').error('gateway timeout');
      const failed = await waitFor(async () => {
        const jobs = (await digestJobs()).slice(before);
        return jobs[0]?.last_error && jobs;
      });
      expect(failed).toEqual([{ status: 'pending', attempts: 1, last_error: 'smtp down' }]);
      expect(digests()).toEqual([]);

      const [digest] = await waitFor(async () => digests().length > 0 && digests());
      expect(digest.subject).toBe('[Velvet] 1 error logged');
      expect(digest.text).toContain('gateway timeout');
      await waitFor(async () => (await digestJobs())[before]?.status === 'done');
      expect((await digestJobs()).slice(before)).toEqual([
        { status: 'done', attempts: 2, last_error: null },
      ]);
    } finally {
      send.mockRestore();
    }
  });

  it('sends nothing while notify_errors is off', async () => {
    await t.app.get(SettingsService).set('notify_errors', false);
    new Logger('Payments').error('card declined');
    new Logger('Database').fatal('pool exhausted');
    await pause(DIGEST_MS * 1.5);
    expect(digests()).toEqual([]);
  });
});
