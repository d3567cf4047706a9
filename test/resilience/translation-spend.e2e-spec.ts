/**
 * Issue #24 item 7: background LLM spend. Reproduction: five private drafts in 0.3 s caused
 * 112 `gpt-4.1` calls (every create, import and edit queued a 6-language translation on
 * paid-first providers, with retries). Now only public characters are translated, edits share
 * one pending job, each owner has a daily allowance, unusable answers get one retry, and a
 * daily platform budget stops background work (not chats) and mails the admins once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { SETTINGS } from '../../src/common/settings/settings.registry.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { nextUtcDay } from '../../src/llm/usage/background-budget.service.js';
import { guest, llmEnv, openChat, publicCharacter, replyOf, send } from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

const BUDGET_MAIL = /Background AI budget spent/;

describe('background LLM spend', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let settings: SettingsService;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0', ADMIN_EMAILS: 'ops@example.com' },
    });
    settings = t.app.get(SettingsService);
  });

  beforeEach(async () => {
    fake.reset();
    for (const key of [
      'translations_per_owner_daily',
      'ai_drafts_per_user_daily',
      'background_llm_daily_tokens',
    ] as const) {
      await settings.set(key, SETTINGS[key].default);
    }
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** Answers every translation request with its input, marked with the target language. */
  const echoTranslations = () =>
    fake.onRequest((request) => {
      const system = String(request.body?.messages?.[0]?.content ?? '');
      const lang = /into (\w+)\./.exec(system)?.[1];
      if (!lang) return undefined;
      const source = JSON.parse(String(request.body?.messages?.[1]?.content ?? '{}')) as Record<
        string,
        string
      >;
      return {
        content: JSON.stringify(
          Object.fromEntries(Object.entries(source).map(([k, v]) => [k, `${v} [${lang}]`])),
        ),
      };
    });

  const translationRequests = () =>
    fake.requests.filter((r) => /You translate/.test(String(r.body?.messages?.[0]?.content)));

  /** Runs every queued job now (their debounce delay would otherwise hold them back). */
  const runJobs = async () => {
    await t.dataSource.query(
      `UPDATE job SET run_at = now() WHERE status = 'pending' AND run_at < now() + interval '1 hour'`,
    );
    return t.app.get(JobQueue).runDue();
  };

  const jobsOf = (id: string) =>
    t.dataSource.query<Array<{ status: string; attempts: number; run_at: Date; payload: unknown }>>(
      `SELECT status, attempts, run_at, payload FROM job
       WHERE type = 'characters.translate' AND payload->>'characterId' = $1 ORDER BY created_at`,
      [id],
    );

  /** The owner's translation allowance used today. */
  const allowanceUsed = async (owner: TestUser) =>
    Number(
      (
        await t.dataSource.query<Array<{ used: number }>>(
          `SELECT used FROM message_quota WHERE subject = $1 AND period = $2`,
          [`translation:${owner.id}`, new Date().toISOString().slice(0, 10)],
        )
      )[0]?.used ?? 0,
    );

  const create = async (owner: TestUser, name: string, description = 'A lighthouse keeper.') =>
    (
      await t.http
        .post('/api/characters')
        .set(owner.auth)
        .send({ name, description, original_language: 'en' })
        .expect(201)
    ).body.id as string;

  const publish = async (owner: TestUser, id: string) => {
    await t.http
      .post(`/api/characters/${id}/avatar`)
      .set(owner.auth)
      .attach('file', defaultAvatarPng(), 'a.png')
      .expect(200);
    await t.http.put(`/api/characters/${id}`).set(owner.auth).send({ is_public: true }).expect(200);
  };

  it('queues no translation for private drafts: five creates and edits in a row cost nothing', async () => {
    const owner = await createUser(t);
    echoTranslations();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await create(owner, `Draft ${i}`));
    for (const id of ids) {
      await t.http
        .put(`/api/characters/${id}`)
        .set(owner.auth)
        .send({ description: 'Edited.' })
        .expect(200);
    }
    for (const id of ids) expect(await jobsOf(id)).toEqual([]);
    await runJobs();
    expect(translationRequests()).toHaveLength(0);
  });

  it('keeps one pending job, carrying no text, for five quick edits of a public character', async () => {
    const owner = await createUser(t);
    const id = await create(owner, 'Nadia');
    await publish(owner, id);
    for (let i = 1; i <= 5; i++) {
      await t.http
        .put(`/api/characters/${id}`)
        .set(owner.auth)
        .send({ description: `Edit number ${i}.` })
        .expect(200);
    }
    const jobs = await jobsOf(id);
    expect(jobs).toEqual([expect.objectContaining({ status: 'pending', attempts: 0 })]);
    expect(jobs[0].payload).toEqual({ characterId: id });
    // Debounced: not due before the edits have settled.
    expect(jobs[0].run_at.getTime()).toBeGreaterThan(Date.now() + 10_000);

    echoTranslations();
    await runJobs();
    // One translation per language, of the latest text only.
    const sent = translationRequests().map((r) => String(r.body?.messages?.[1]?.content));
    expect(sent).toHaveLength(6);
    expect(sent.every((text) => text.includes('Edit number 5.'))).toBe(true);
    expect((await jobsOf(id)).map((job) => job.status)).toEqual(['done']);
  });

  it('caps translations per owner and UTC day: the next one waits for tomorrow', async () => {
    await settings.set('translations_per_owner_daily', 1);
    const owner = await createUser(t);
    const other = await createUser(t);
    const first = await create(owner, 'First');
    const second = await create(owner, 'Second');
    const others = await create(other, 'Elsewhere');
    for (const [who, id] of [
      [owner, first],
      [owner, second],
      [other, others],
    ] as const) {
      await publish(who, id);
    }
    echoTranslations();
    await runJobs();
    expect(translationRequests()).toHaveLength(12); // first and the other owner's
    expect(await jobsOf(first)).toEqual([expect.objectContaining({ status: 'done' })]);
    expect(await jobsOf(others)).toEqual([expect.objectContaining({ status: 'done' })]);
    // Deferred without using an attempt, to midnight UTC.
    const [waiting] = await jobsOf(second);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
    expect(waiting.run_at.getTime()).toBe(nextUtcDay().getTime());
    const german = await t.http.get(`/api/characters/${second}?lang=de`).expect(200);
    expect(german.body.available_languages).toEqual(['en']);
  });

  it("exempts admins' and the platform's own characters from the per-owner cap", async () => {
    await settings.set('translations_per_owner_daily', 1);
    const admin = await createUser(t, { role: 'admin' });
    const platform = await createUser(t, { email: `generator-${Date.now()}@system.local` });
    const ids: string[] = [];
    for (const owner of [admin, admin, platform, platform]) {
      const id = await create(owner, `Exempt ${ids.length}`);
      await publish(owner, id);
      ids.push(id);
    }
    echoTranslations();
    await runJobs();
    expect(translationRequests()).toHaveLength(24);
    for (const id of ids)
      expect(await jobsOf(id)).toEqual([expect.objectContaining({ status: 'done' })]);
    expect(await allowanceUsed(admin)).toBe(0);
  });

  it('gives unusable model answers one retry, then fails the job for good', async () => {
    const owner = await createUser(t);
    const id = await create(owner, 'Garbled');
    await publish(owner, id);
    fake.onRequest(() => ({ content: 'I am sorry, I cannot do that.' }));
    await runJobs();
    expect(await jobsOf(id)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    await t.dataSource.query(`UPDATE job SET run_at = now() WHERE status = 'pending'`);
    await runJobs();
    await t.dataSource.query(`UPDATE job SET run_at = now() WHERE status = 'pending'`);
    await runJobs();
    expect(await jobsOf(id)).toEqual([expect.objectContaining({ status: 'failed', attempts: 2 })]);
    // Two attempts of six languages, not five attempts; within each, the provider's own check
    // asks once more for an answer in the wrong language (this English refusal): 2 × 6 × 2.
    expect(translationRequests()).toHaveLength(24);
  });

  it('caps AI drafts per user and day, giving back a draft that failed', async () => {
    await settings.set('ai_drafts_per_user_daily', 1);
    const user = await createUser(t);
    fake.script({ content: 'no json' }, { content: 'still none' });
    await t.http
      .post('/api/characters/generate')
      .set(user.auth)
      .send({ text: 'a captain' })
      .expect(502);
    fake.script({
      content: JSON.stringify({ name: 'Mira', greeting: 'Hi.', content_rating: 'sfw' }),
    });
    await t.http
      .post('/api/characters/generate')
      .set(user.auth)
      .send({ text: 'a captain' })
      .expect(200);
    const over = await t.http
      .post('/api/characters/generate')
      .set(user.auth)
      .send({ text: 'a captain' });
    expect(over.status).toBe(429);
    expect(over.body.message).toMatch(/Daily AI draft limit reached \(1 per day\)/);
    expect(fake.requests).toHaveLength(3);
  });

  it('stops background work once the daily budget is spent, not chats, and mails the admins once', async () => {
    const mails = () => t.app.get(MailService).outbox.filter((m) => BUDGET_MAIL.test(m.subject));
    const spent = async () =>
      Number(
        (
          await t.dataSource.query<Array<{ tokens: string }>>(
            `SELECT tokens FROM llm_background_spend WHERE day = (now() AT TIME ZONE 'UTC')::date`,
          )
        )[0]?.tokens ?? 0,
      );
    // What the earlier tests spent, plus one token: the next call goes through and spends it.
    await settings.set('background_llm_daily_tokens', (await spent()) + 1);
    const owner = await createUser(t);
    const first = await create(owner, 'Budget one');
    const second = await create(owner, 'Budget two');
    await publish(owner, first);
    await publish(owner, second);
    echoTranslations();
    await runJobs();
    // One language of the first got through; the rest of both waits for tomorrow.
    expect(translationRequests()).toHaveLength(1);
    for (const id of [first, second]) {
      const [job] = await jobsOf(id);
      expect(job).toMatchObject({ status: 'pending', attempts: 0 });
      expect(job.run_at.getTime()).toBe(nextUtcDay().getTime());
    }
    // Both runs gave their allowance back: each takes one when it runs tomorrow.
    expect(await allowanceUsed(owner)).toBe(0);
    expect(await spent()).toBeGreaterThan(0);

    // AI drafts are background work too: refused, nothing asked upstream.
    fake.reset();
    const user = await createUser(t);
    const draft = await t.http
      .post('/api/characters/generate')
      .set(user.auth)
      .send({ text: 'a captain' });
    expect(draft.status).toBe(503);
    expect(draft.body.message).toMatch(/daily budget for background AI work is spent/);
    expect(fake.requests).toHaveLength(0);

    // Chats go on, for users and guests.
    const character = await publicCharacter(t, owner);
    for (const who of [user.auth, guest()]) {
      const chatId = await openChat(t, who, character.id);
      const reply = await send(t, who, chatId, { content: 'Still there?' });
      expect(reply.status).toBe(200);
      expect(replyOf(reply.events).last).toMatchObject({ type: 'done' });
    }

    // One mail for the day, however many jobs were stopped.
    expect(mails()).toHaveLength(1);
    expect(mails()[0]).toMatchObject({
      to: ['ops@example.com'],
      text: expect.stringContaining('background_llm_daily_tokens'),
    });
    expect(t.errorLogs()).toEqual([]);
  });
});
