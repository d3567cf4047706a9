import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { JobQueue, PermanentJobError } from '../../src/common/jobs/job-queue.service.js';
import { providerEnv } from '../llm/llm-test-support.js';
import { eventually, openChat, publicCharacter, replyOf, send } from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { appendToPath } from '../support/messages.js';

/** Every field a listed job has: never its payload, which may hold what users typed. */
const JOB_FIELDS = [
  'id',
  'type',
  'state',
  'attempts',
  'max_attempts',
  'last_error',
  'run_at',
  'created_at',
  'updated_at',
];

interface ListedJob {
  id: number;
  type: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: string;
  created_at: string;
  updated_at: string;
}

describe('admin jobs', () => {
  /** Writes the chat replies (as OpenAI). */
  let chatLlm: FakeLlm;
  /** Answers the summarizer (as Groq, Cerebras and OpenRouter). */
  let summaryLlm: FakeLlm;
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  let queue: JobQueue;

  beforeAll(async () => {
    [chatLlm, summaryLlm] = await Promise.all([startFakeLlm(), startFakeLlm()]);
    t = await createTestApp({
      env: {
        ...providerEnv(chatLlm.baseURL, ['openai']),
        ...providerEnv(summaryLlm.baseURL, ['groq', 'cerebras', 'openrouter']),
        LLM_PROVIDER_ORDER: 'openai',
        RATE_LIMIT_SCALE: '0',
      },
    });
    [admin, user] = await Promise.all([createUser(t, { role: 'admin' }), createUser(t)]);
    queue = t.app.get(JobQueue);
  });

  beforeEach(() => {
    chatLlm.reset();
    summaryLlm.reset();
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([chatLlm?.close(), summaryLlm?.close()]);
  });

  const list = async (query: string): Promise<ListedJob[]> => {
    const res = await t.http.get(`/api/admin/jobs${query}`).set(admin.auth).expect(200);
    return res.body.items as ListedJob[];
  };

  it('shows a summary job that failed, then succeeded on its retry', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner, { name: 'Mira' });
    const chatId = await openChat(t, user.auth, character.id, { language: 'en' });
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: 23 }, (_, i) => ({
        role: (i + 2) % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `line ${i + 2}`,
      })),
    );
    await t.dataSource.query(`UPDATE chat SET message_count = 24 WHERE id = $1`, [chatId]);
    // The first attempt finds every summary provider failing.
    summaryLlm.onRequest(() => ({ fault: 'status', status: 400 }));
    const res = await send(t, user.auth, chatId, { content: 'line 25' });
    expect(replyOf(res.events).last).toMatchObject({ type: 'done' });
    await eventually(async () => (await queue.runDue()) > 0);

    const [failed] = await list('?type=chat.summarize');
    expect(Object.keys(failed).sort()).toEqual([...JOB_FIELDS].sort());
    expect(failed).toMatchObject({
      type: 'chat.summarize',
      state: 'pending',
      attempts: 1,
      max_attempts: 3,
      last_error: expect.stringMatching(/did not answer/),
    });
    // Due again after a backoff of 2.5 to 5 s.
    const backoff = Date.parse(failed.run_at) - Date.parse(failed.updated_at);
    expect(backoff).toBeGreaterThan(2_000);
    expect(backoff).toBeLessThanOrEqual(5_100);
    expect((await list('?state=pending&type=chat.summarize')).map((job) => job.id)).toEqual([
      failed.id,
    ]);
    expect((await list('?state=done&type=chat.summarize')).map((job) => job.id)).toEqual([]);

    // The providers are back by the time the retry is due.
    summaryLlm.reset();
    summaryLlm.script({ content: 'Mira and the user talked at length.' });
    await t.dataSource.query(`UPDATE job SET run_at = now() WHERE id = $1`, [failed.id]);
    expect(await queue.runDue()).toBe(1);
    const [retried] = await list('?type=chat.summarize');
    expect(retried).toMatchObject({
      id: failed.id,
      state: 'done',
      attempts: 2,
      last_error: null,
    });
    expect(Date.parse(retried.updated_at)).toBeGreaterThan(Date.parse(failed.updated_at));
    const [chat] = await t.dataSource.query(`SELECT summary FROM chat WHERE id = $1`, [chatId]);
    expect(chat.summary).toBe('Mira and the user talked at length.');
  });

  it('puts a failed job back in the queue, due now with all its attempts, and audits it', async () => {
    let calls = 0;
    queue.register('test.admin-retry', async () => {
      if (++calls === 1) throw new PermanentJobError('the upstream refused it');
    });
    await queue.enqueue('test.admin-retry', { secret: 'never shown' }, { maxAttempts: 4 });
    await queue.runDue();
    const [failed] = await list('?state=failed&type=test.admin-retry');
    expect(failed).toMatchObject({
      state: 'failed',
      attempts: 1,
      max_attempts: 4,
      last_error: 'the upstream refused it',
    });

    const retry = (id: number | string) =>
      t.http.post(`/api/admin/jobs/${id}/retry`).set(admin.auth);
    await t.http.post(`/api/admin/jobs/${failed.id}/retry`).set(user.auth).expect(403);
    const res = await retry(failed.id).expect(200);
    expect(res.body).toMatchObject({
      id: failed.id,
      state: 'pending',
      attempts: 0,
      max_attempts: 4,
      last_error: 'the upstream refused it',
    });
    expect(Math.abs(Date.parse(res.body.run_at) - Date.now())).toBeLessThan(5_000);
    expect(JSON.stringify(res.body)).not.toContain('never shown');

    // Only a failed job is retried.
    const pending = await retry(failed.id).expect(409);
    expect(pending.body.message).toBe(`Job ${failed.id} is pending; only a failed job is retried`);
    expect(await queue.runDue()).toBe(1);
    expect(calls).toBe(2);
    expect(await list('?type=test.admin-retry')).toEqual([
      expect.objectContaining({ id: failed.id, state: 'done', attempts: 1, last_error: null }),
    ]);
    await retry(failed.id).expect(409);
    expect((await retry(999_999_999).expect(404)).body.message).toBe('No job 999999999');
    expect((await retry('nope').expect(400)).body.message).toBe('id must be a job id');

    const audit = await t.http.get('/api/admin/audit?action=job.retry').set(admin.auth).expect(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        actor_id: admin.id,
        action: 'job.retry',
        target: `job:${failed.id}`,
        before: { state: 'failed', attempts: 1 },
        after: { state: 'pending', attempts: 0 },
      }),
    ]);
  });

  it('refuses to retry a failed job whose pending successor does its work', async () => {
    queue.register('test.superseded-retry', async () => {
      throw new PermanentJobError('gone');
    });
    await queue.enqueue('test.superseded-retry', {}, { dedupeKey: 'k' });
    await queue.runDue();
    await queue.enqueue('test.superseded-retry', {}, { dedupeKey: 'k' });
    const [newer, older] = await list('?type=test.superseded-retry');
    expect([newer.state, older.state]).toEqual(['pending', 'failed']);
    const res = await t.http.post(`/api/admin/jobs/${older.id}/retry`).set(admin.auth);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/a pending job of the same kind does its work/);
  });

  it('lists newest first, one page at a time, filtered by state and type', async () => {
    queue.register('test.page', async () => undefined);
    for (let n = 0; n < 3; n++) await queue.enqueue('test.page', { n });
    const all = await list('?type=test.page');
    expect(all.map((job) => job.state)).toEqual(['pending', 'pending', 'pending']);
    expect(all.map((job) => job.id)).toEqual([...all.map((job) => job.id)].sort((a, b) => b - a));

    const first = await t.http
      .get('/api/admin/jobs?type=test.page&page_size=2')
      .set(admin.auth)
      .expect(200);
    expect(first.body).toMatchObject({ page: 1, page_size: 2, has_more: true });
    expect(first.body.items.map((job: ListedJob) => job.id)).toEqual(
      all.slice(0, 2).map((j) => j.id),
    );
    const second = await t.http
      .get('/api/admin/jobs?type=test.page&page_size=2&page=2')
      .set(admin.auth)
      .expect(200);
    expect(second.body).toMatchObject({ page: 2, has_more: false });
    expect(second.body.items.map((job: ListedJob) => job.id)).toEqual([all[2].id]);

    await t.http.get('/api/admin/jobs?state=stuck').set(admin.auth).expect(400);
    await t.http.get('/api/admin/jobs').set(user.auth).expect(403);
    await t.http.get('/api/admin/jobs').expect(401);
  });
});
