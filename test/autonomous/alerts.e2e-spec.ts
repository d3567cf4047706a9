import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ErrorNotifier } from '../../src/autonomous/error-notifier.service.js';
import { LlmAlertMonitor } from '../../src/autonomous/llm-alerts.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { LlmService } from '../../src/llm/llm.service.js';
import { failAll } from '../chat/chat-support.js';
import { MINUTE, messages } from '../llm/llm-test-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  ADMIN_EMAIL,
  isGenerator,
  json,
  llmEnv,
  runTask,
  validGenerated,
} from './autonomous-support.js';

const SITE = { SITE_NAME: 'Velvet' };

describe('admin alerts', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let admin: TestUser;
  let mail: MailService;
  let monitor: LlmAlertMonitor;
  let settings: SettingsService;
  /** The time the monitor is told it is: minutes pass without waiting for them. */
  let now = Date.now();
  const after = (minutes: number) => (now += minutes * MINUTE);

  /** Runs the queued alert jobs; the subjects mailed since the test began. */
  const mailed = async (): Promise<string[]> => {
    await t.app.get(JobQueue).runDue();
    return mail.outbox.filter((sent) => sent.to.includes(ADMIN_EMAIL)).map((sent) => sent.subject);
  };

  /** One request to one named model (no fallback, no cooldown): how it ended. */
  const ask = () =>
    t.app
      .get(LlmService)
      .generate({ messages, provider: 'openai', config: { model: 'gpt-4.1-mini' } })
      .then(
        () => 'ok',
        () => 'failed',
      );

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), ...SITE } });
    admin = await createUser(t, { role: 'admin' });
    mail = t.app.get(MailService);
    monitor = t.app.get(LlmAlertMonitor);
    settings = t.app.get(SettingsService);
  });

  beforeEach(() => {
    fake.reset();
    mail.outbox.length = 0;
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('mails once every LLM request has failed for the set minutes, again at most hourly, and on the first success', async () => {
    await settings.set('alert_llm_outage_minutes', 10);
    await monitor.check(now);
    const recover = failAll(fake, { fault: 'status', status: 503 });

    expect(await ask()).toBe('failed');
    await monitor.check(after(1));
    expect(await ask()).toBe('failed');
    await monitor.check(after(5));
    expect(await mailed()).toEqual([]);

    expect(await ask()).toBe('failed');
    await monitor.check(after(5));
    expect(await mailed()).toEqual(['[Velvet] ALERT: no LLM request has succeeded for 10 min']);
    const [alert] = mail.outbox;
    expect(alert.to).toEqual([ADMIN_EMAIL]);
    expect(alert.text).toContain('openai: 2 failed, 0 succeeded');
    expect(alert.text).toContain('GET /api/admin/provider-status');

    // Still failing: not again within the hour, then a reminder.
    mail.outbox.length = 0;
    expect(await ask()).toBe('failed');
    await monitor.check(after(30));
    expect(await mailed()).toEqual([]);
    expect(await ask()).toBe('failed');
    await monitor.check(after(31));
    expect(await mailed()).toEqual([
      '[Velvet] STILL FAILING: no LLM request has succeeded for 1 h 11 min',
    ]);

    mail.outbox.length = 0;
    recover();
    expect(await ask()).toBe('ok');
    await monitor.check(after(1));
    expect(await mailed()).toEqual(['[Velvet] RECOVERED: LLM requests succeed again']);
    expect(mail.outbox[0].text).toMatch(/after failing since .* \(1 h 12 min\)/);
    await monitor.check(after(1));
    expect(await mailed()).toHaveLength(1);
  });

  it("mails when one provider's failure rate crosses the threshold, and once it is back under", async () => {
    await settings.set('alert_provider_failure_rate', 50);
    // Past the window: what the test before did no longer counts.
    await monitor.check(after(20));
    fake.script(
      // Refused as invalid: our request's fault, which says nothing of the provider.
      ...Array.from({ length: 5 }, () => ({ fault: 'status' as const, status: 400 })),
      ...Array.from({ length: 6 }, () => ({ fault: 'status' as const, status: 500 })),
      ...Array.from({ length: 4 }, () => ({ content: 'Fine.' })),
    );
    for (let i = 0; i < 15; i++) await ask();
    await monitor.check(after(1));
    expect(await mailed()).toEqual([
      '[Velvet] ALERT: LLM provider openai: 60% of requests failing',
    ]);
    expect(mail.outbox[0].text).toContain("6 of openai's 10 requests over the last 10 minutes");

    mail.outbox.length = 0;
    for (let i = 0; i < 10; i++) expect(await ask()).toBe('ok');
    await monitor.check(after(11));
    expect(await mailed()).toEqual(['[Velvet] RECOVERED: LLM provider openai fails less again']);
  });

  it('mails when a scheduled task fails its last attempt, and when a run succeeds again', async () => {
    fake.onRequest((request) => (isGenerator(request) ? { content: 'no json here' } : undefined));
    const retryNow = () =>
      t.dataSource.query(
        `UPDATE job SET run_at = now()
         WHERE type = 'autonomous.character_generator' AND status = 'pending'`,
      );
    expect((await runTask(t, admin, 'character_generator')).status).toBe('failed');
    expect(await mailed()).toEqual([]);
    await retryNow();
    expect(await mailed()).toEqual([]);
    await retryNow();
    expect(await mailed()).toEqual(['[Velvet] ALERT: scheduled task character_generator failed']);
    expect(mail.outbox[0].text).toContain('failed 3 time(s) in a row');
    expect(mail.outbox[0].text).toContain('no valid character');

    mail.outbox.length = 0;
    fake.reset();
    fake.onRequest((request) => (isGenerator(request) ? json(validGenerated()) : undefined));
    expect((await runTask(t, admin, 'character_generator')).status).toBe('ok');
    expect(await mailed()).toEqual([
      '[Velvet] RECOVERED: scheduled task character_generator works again',
    ]);
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});

describe('crash reports', () => {
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
  });

  const start = async () => {
    await t?.close();
    t = await createTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL, ...SITE } });
    return t;
  };

  it('logs a crash at fatal level and mails it at once, with the errors not mailed yet', async () => {
    const app = await start();
    const mail = app.app.get(MailService);
    new Logger('Payments').error('card declined');
    await app.app.get(ErrorNotifier).reportCrash(new Error('boom'), 'uncaughtException');

    expect(mail.outbox.map((sent) => sent.subject)).toEqual([
      '[Velvet] FATAL: Uncaught exception: boom',
    ]);
    const [report] = mail.outbox;
    expect(report.to).toEqual([ADMIN_EMAIL]);
    expect(report.text).toMatch(/\[FATAL\] Process ×1 .*\nUncaught exception: boom\nError: boom\n/);
    expect(report.text).toMatch(/\[ERROR\] Payments ×1 .*\ncard declined/);
    expect(app.logs).toContainEqual(
      expect.objectContaining({
        level: 'fatal',
        context: 'Process',
        message: expect.stringMatching(/^Uncaught exception: boom\nError: boom/),
      }),
    );
    // Sent from here, not left to a job this instance would never run.
    const jobs = await app.dataSource.query(`SELECT id FROM job WHERE type = 'admin.error_digest'`);
    expect(jobs).toEqual([]);
  });

  it('queues the report for another instance when the mail fails', async () => {
    const app = await start();
    jest.spyOn(app.app.get(MailService), 'send').mockRejectedValueOnce(new Error('smtp down'));
    await app.app.get(ErrorNotifier).reportCrash('socket hang up', 'unhandledRejection');
    const jobs = await app.dataSource.query<
      Array<{ status: string; payload: { subject: string } }>
    >(`SELECT status, payload FROM job WHERE type = 'admin.error_digest'`);
    expect(jobs).toEqual([
      {
        status: 'pending',
        payload: expect.objectContaining({
          subject: '[Velvet] FATAL: Unhandled rejection: socket hang up',
        }),
      },
    ]);
  });
});
