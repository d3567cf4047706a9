/**
 * Password accounts registered before confirmation mails existed were never offered one, yet
 * their owner's first reset releases them: ConfirmExistingAccounts1763808100000 queues the
 * mail for each of them, and for no other account.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ConfirmExistingAccounts1763808100000 } from '../../migrations/1763808100000-ConfirmExistingAccounts.js';
import { CONFIRMATION_MAIL_JOB } from '../../src/auth/email-verification.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { RELAXED_AUTH_ENV } from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

interface Account {
  password?: boolean;
  verified?: boolean;
  released?: boolean;
  disabled?: boolean;
  google?: boolean;
  email?: string;
}

describe('confirmation mails for accounts registered before confirmation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...RELAXED_AUTH_ENV } });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  /** An account as an older release left it: inserted straight, nothing queued for it. */
  async function insert(account: Account): Promise<{ id: string; email: string }> {
    const email = account.email ?? `old-${randomUUID()}@example.test`;
    const [{ id }] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO app_user (email, password_hash, oauth_provider, oauth_id, email_verified_at,
                             released_at, released_email, disabled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        account.released ? `released-${randomUUID()}@released.invalid` : email,
        account.password === false ? null : 'argon2-hash-of-an-old-password',
        account.google ? 'google' : null,
        account.google ? randomUUID() : null,
        account.verified ? new Date() : null,
        account.released ? new Date() : null,
        account.released ? email : null,
        account.disabled || account.released ? new Date() : null,
      ],
    );
    return { id, email };
  }

  const runMigration = async () => {
    const runner = t.dataSource.createQueryRunner();
    try {
      await new ConfirmExistingAccounts1763808100000().up(runner);
    } finally {
      await runner.release();
    }
  };

  const queuedFor = async (): Promise<string[]> =>
    (
      await t.dataSource.query<{ user_id: string }[]>(
        `SELECT payload->>'userId' AS user_id FROM job
         WHERE type = $1 AND status = 'pending' AND dedupe_key = payload->>'userId'
         ORDER BY user_id`,
        [CONFIRMATION_MAIL_JOB],
      )
    ).map((row) => row.user_id);

  it('queues one mail per unconfirmed, live password account, none for others', async () => {
    const eligible = await Promise.all([insert({}), insert({}), insert({})]);
    const ineligible = await Promise.all([
      insert({ verified: true }),
      insert({ released: true }),
      insert({ disabled: true }),
      insert({ google: true }),
      insert({ google: true, password: false }),
      insert({ password: false }),
      insert({ email: `legacy-${randomUUID().slice(0, 8)}@System.Local` }),
    ]);
    // One of them already has its mail pending (a resend): it still gets a single job.
    await t.dataSource.query(
      `INSERT INTO job (type, payload, dedupe_key, max_attempts) VALUES ($1, $2, $3, 3)`,
      [CONFIRMATION_MAIL_JOB, JSON.stringify({ userId: eligible[0].id }), eligible[0].id],
    );

    await runMigration();
    await runMigration();

    const eligibleIds = eligible.map((user) => user.id).sort();
    expect(await queuedFor()).toEqual(eligibleIds);
    const [{ count }] = await t.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM job WHERE type = $1`,
      [CONFIRMATION_MAIL_JOB],
    );
    expect(count).toBe(eligible.length);

    // The queued jobs are the ones the app runs: each eligible owner gets the link.
    const mail = t.app.get(MailService);
    await t.app.get(JobQueue).runDue();
    const confirmations = mail.outbox.filter((sent) => /confirm your email/.test(sent.subject));
    expect(confirmations.map((sent) => sent.to).sort()).toEqual(
      eligible.map((user) => user.email).sort(),
    );
    for (const user of ineligible) {
      expect(mail.outbox.filter((sent) => sent.to === user.email)).toEqual([]);
    }
  });
});
