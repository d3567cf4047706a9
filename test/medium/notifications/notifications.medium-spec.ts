/**
 * NotificationsService and DigestService with their real repositories (issue #21): batching,
 * once-only milestones, muted types, and digests queued and sent once per user and period
 * across two instances.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { AuthModule } from '../../../src/auth/auth.module.js';
import { JobQueue } from '../../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../../src/common/mail/mail.service.js';
import { Clock } from '../../../src/llm/clock.js';
import { DigestService } from '../../../src/notifications/digest.service.js';
import { NotificationsModule } from '../../../src/notifications/notifications.module.js';
import { NotificationsService } from '../../../src/notifications/notifications.service.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser } from '../../support/users.js';

describe('notifications (service and repositories)', () => {
  let first: MediumModule;
  let second: MediumModule;

  beforeAll(async () => {
    const imports = [AuthModule, NotificationsModule];
    first = await createMediumModule({ imports });
    second = await createMediumModule({ imports, databaseUrl: first.databaseUrl });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const rows = (userId: string) =>
    first.dataSource.query<Array<{ type: string; count: number; read_at: Date | null }>>(
      `SELECT type, count, read_at FROM notification WHERE user_id = $1 ORDER BY id`,
      [userId],
    );

  it('folds forks of a character into one per UTC day, unread again when one joins', async () => {
    const owner = await createUser(first);
    const notifications = first.app.get(NotificationsService);
    const character = { id: crypto.randomUUID(), name: 'Mira' };
    const day = Date.parse('2026-03-01T10:00:00Z');
    jest.spyOn(first.app.get(Clock), 'now').mockReturnValue(day);
    await notifications.characterForked(owner.id, character, 'someone');
    await notifications.characterForked(owner.id, character, 'someone else');
    await first.dataSource.query(`UPDATE notification SET read_at = now() WHERE user_id = $1`, [
      owner.id,
    ]);
    await notifications.characterForked(owner.id, character, 'a third');
    // The owner's own fork counts for nothing.
    await notifications.characterForked(owner.id, character, owner.id);
    expect(await rows(owner.id)).toEqual([{ type: 'character_forked', count: 3, read_at: null }]);
    // The next day is a new notification.
    jest.spyOn(first.app.get(Clock), 'now').mockReturnValue(day + 24 * 60 * 60_000);
    await notifications.characterForked(owner.id, character, 'someone');
    expect((await rows(owner.id)).map((row) => row.count)).toEqual([3, 1]);
  });

  it('raises a milestone once however often the score passes it; muted types are not stored', async () => {
    const owner = await createUser(first);
    const notifications = first.app.get(NotificationsService);
    const character = { id: crypto.randomUUID(), name: 'Theo' };
    await notifications.voteScoreChanged(owner.id, character, 9, 10);
    await notifications.voteScoreChanged(owner.id, character, 10, 9);
    await notifications.voteScoreChanged(owner.id, character, 9, 10);
    await notifications.voteScoreChanged(owner.id, character, 10, 11);
    // A jump over two milestones is the higher one.
    await notifications.voteScoreChanged(owner.id, character, 40, 120);
    const milestones = await first.dataSource.query<Array<{ milestone: number }>>(
      `SELECT (metadata->>'milestone')::int AS milestone FROM notification
       WHERE user_id = $1 ORDER BY id`,
      [owner.id],
    );
    expect(milestones).toEqual([{ milestone: 10 }, { milestone: 100 }]);

    await notifications.updateSettings(
      { id: owner.id, email: owner.email, role: 'user', tier: 'free' },
      { muted_types: ['reply_ready'] },
    );
    await notifications.replyReady(owner.id, { chatId: 'c', messageId: 1, character });
    expect((await rows(owner.id)).map((row) => row.type)).toEqual([
      'vote_milestone',
      'vote_milestone',
    ]);
  });

  it('queues a digest once per user and period, and mails it once from two instances', async () => {
    const user = await createUser(first);
    await first.dataSource.query(
      `INSERT INTO notification_settings (user_id, weekly_digest) VALUES ($1, true)`,
      [user.id],
    );
    await first.app.get(NotificationsService).raise(user.id, 'report_decided', {
      character_name: 'Mira',
      status: 'dismissed',
    });
    await Promise.all([
      first.app.get(DigestService).enqueueDue(),
      second.app.get(DigestService).enqueueDue(),
    ]);
    const queued = await first.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM job WHERE type = 'notifications.digest'
       AND payload->>'userId' = $1`,
      [user.id],
    );
    expect(queued).toEqual([{ count: 1 }]);
    await Promise.all([first.app.get(JobQueue).runDue(), second.app.get(JobQueue).runDue()]);
    // The job queued again (a later hourly run) finds the period's digest sent.
    await second.app.get(DigestService).enqueueDue();
    await second.app.get(JobQueue).runDue();
    const sent = [first, second].flatMap((module) =>
      module.app.get(MailService).outbox.filter((mail) => mail.to === user.email),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toContain('A report on Mira was decided (dismissed)');
  });

  it('gives the period back when the mail fails, so the retry sends it', async () => {
    const user = await createUser(first);
    await first.dataSource.query(
      `INSERT INTO notification_settings (user_id, weekly_digest) VALUES ($1, true)`,
      [user.id],
    );
    await first.app.get(NotificationsService).raise(user.id, 'report_decided', {});
    const mail = first.app.get(MailService);
    jest.spyOn(mail, 'send').mockRejectedValueOnce(new Error('SMTP down'));
    await first.app.get(DigestService).enqueueDue();
    await first.app.get(JobQueue).runDue();
    const [delivery] = await first.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM digest_delivery WHERE user_id = $1`,
      [user.id],
    );
    expect(delivery.count).toBe(0);
    const [job] = await first.dataSource.query<Array<{ status: string; attempts: number }>>(
      `SELECT status, attempts FROM job WHERE type = 'notifications.digest'
       AND payload->>'userId' = $1`,
      [user.id],
    );
    expect(job).toEqual({ status: 'pending', attempts: 1 });
  });
});
