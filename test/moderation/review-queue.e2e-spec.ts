import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import type { ModerationQueueItemDto } from '../../src/moderation/dto/moderation-queue.dto.js';
import { ModerationService } from '../../src/moderation/moderation.service.js';
import { eventually } from '../chat/chat-support.js';
import { LONG_DESCRIPTION } from '../seo/seo-support.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/** Text the rules find borderline on an SFW character: sexual, not involving anyone young. */
const BORDERLINE =
  'A sultry cabaret dancer who talks about sex and porn all night with the patrons of the club.';

/**
 * Issue #19 items 2 and 3: a public character whose text scores borderline waits for a
 * moderator instead of being listed (catalogue, character page, SEO page, sitemap), its owner
 * sees why; admins see it in one queue with flagged messages and reports, and decide.
 */
describe('moderation review queue', () => {
  let t: TestApp;
  let admin: TestUser;
  let owner: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0' } });
    [admin, owner, other] = await Promise.all([
      createUser(t, { role: 'admin' }),
      createUser(t, { email: `owner-${Date.now()}@example.test` }),
      createUser(t),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A draft with an avatar (uploads are tested with the characters), then published. */
  async function publish(name: string, description: string) {
    const created = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name, description, greeting: 'Welcome, darling.' })
      .expect(201);
    await t.dataSource.query(
      `UPDATE character SET avatar_url = '/api/avatars/test.png' WHERE id = $1`,
      [created.body.id],
    );
    await rowCachesCaughtUp(t);
    const published = await t.http
      .put(`/api/characters/${created.body.id}`)
      .set(owner.auth)
      .send({ is_public: true })
      .expect(200);
    return published.body as {
      id: string;
      slug: string;
      is_public: boolean;
      moderation: { status: string; reason: string | null };
    };
  }

  const queue = async (query = '') =>
    (await t.http.get(`/api/admin/moderation/queue${query}`).set(admin.auth).expect(200)).body as {
      items: ModerationQueueItemDto[];
      has_more: boolean;
    };

  const decide = (kind: string, id: string, body: object) =>
    t.http.post(`/api/admin/moderation/${kind}/${id}/decision`).set(admin.auth).send(body);

  /** Where a public character shows: catalogue, its page for others, SEO page, sitemap. */
  async function listed(character: { id: string; slug: string }): Promise<Record<string, boolean>> {
    const catalogue = await t.http.get('/api/characters?sort=new&page_size=50').expect(200);
    const page = await t.http.get(`/api/characters/${character.id}`).set(other.auth);
    const seo = await t.http.get(`/api/seo/c/${character.slug}`);
    const sitemap = await t.http.get('/api/seo/sitemap.xml').expect(200);
    return {
      catalogue: catalogue.body.items.some((item: { id: string }) => item.id === character.id),
      page: page.status === 200,
      seo: seo.status === 200,
      sitemap: sitemap.text.includes(`/c/${character.slug}`),
    };
  }

  const nowhere = { catalogue: false, page: false, seo: false, sitemap: false };
  const everywhere = { catalogue: true, page: true, seo: true, sitemap: true };

  it('holds a borderline public character for review, out of every listing, until approved', async () => {
    const held = await publish('Scarlet', BORDERLINE);
    expect(held.is_public).toBe(false);
    expect(held.moderation.status).toBe('pending');
    expect(held.moderation.reason).toContain('sexual content (sexual) in description');
    expect(await listed(held)).toEqual(nowhere);

    const pending = await queue('?kind=character');
    const item = pending.items.find((entry) => entry.id === held.id)!;
    expect(item).toMatchObject({
      kind: 'character',
      status: 'pending',
      character: {
        id: held.id,
        owner_id: owner.id,
        is_public: false,
        moderation_status: 'pending',
      },
      message: null,
      report: null,
    });
    expect(item.scores.sexual).toBeGreaterThanOrEqual(0.9);
    expect(item.hits[0]).toMatchObject({
      field: 'description',
      category: 'sexual',
      source: 'rules',
    });
    expect(item.excerpt).toContain('sex and porn');

    // Editing it meanwhile keeps it waiting (the new text is read again).
    const edited = await t.http
      .put(`/api/characters/${held.id}`)
      .set(owner.auth)
      .send({ greeting: 'Welcome, sugar.' })
      .expect(200);
    expect(edited.body).toMatchObject({ is_public: false, moderation: { status: 'pending' } });

    const approved = await decide('character', held.id, { action: 'approve' }).expect(200);
    expect(approved.body).toMatchObject({
      kind: 'character',
      status: 'approved',
      character: { is_public: true, moderation_status: 'clear' },
      decision: { decided_by: admin.id },
    });
    expect(await listed(held)).toEqual(everywhere);
    const mine = await t.http.get(`/api/characters/${held.id}`).set(owner.auth).expect(200);
    expect(mine.body.moderation).toEqual({ status: 'clear', reason: null });
    expect((await queue('?kind=character')).items.some((entry) => entry.id === held.id)).toBe(
      false,
    );
    const decided = await queue('?kind=character&status=decided');
    expect(decided.items.find((entry) => entry.id === held.id)).toMatchObject({
      status: 'approved',
    });

    // Approving twice is a conflict: nothing waits any more.
    expect((await decide('character', held.id, { action: 'approve' })).status).toBe(409);
    const audit = await t.http
      .get('/api/admin/audit?action=moderation.decide')
      .set(admin.auth)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({
      actor_id: admin.id,
      target: `character:${held.id}`,
      before: { status: 'pending', character: { is_public: false, moderation_status: 'pending' } },
      after: { status: 'approved', action: 'approve', character: { is_public: true } },
    });
  });

  it('lists a clean public character at once', async () => {
    const clean = await publish('Keeper', LONG_DESCRIPTION);
    expect(clean).toMatchObject({ is_public: true, moderation: { status: 'clear', reason: null } });
    expect(await listed(clean)).toEqual(everywhere);
  });

  it('rejects with a reason mailed to the owner; publishing again asks a moderator again', async () => {
    const held = await publish('Ruby', BORDERLINE);
    expect((await decide('character', held.id, { action: 'reject' })).status).toBe(400);
    const rejected = await decide('character', held.id, {
      action: 'reject',
      reason: 'Explicit sexual content on an SFW card: rate it NSFW',
    }).expect(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      character: { is_public: false, moderation_status: 'rejected' },
      decision: { reason: 'Explicit sexual content on an SFW card: rate it NSFW' },
    });
    const mine = await t.http.get(`/api/characters/${held.id}`).set(owner.auth).expect(200);
    expect(mine.body.moderation).toEqual({
      status: 'rejected',
      reason: 'Explicit sexual content on an SFW card: rate it NSFW',
    });
    expect(await listed(held)).toEqual(nowhere);

    const mail = t.app.get(MailService);
    const jobs = t.app.get(JobQueue);
    await eventually(async () => {
      await jobs.runDue();
      return mail.outbox.some((message) => message.to === owner.email);
    });
    const sent = mail.outbox.find((message) => message.to === owner.email)!;
    expect(sent.subject).toContain('"Ruby" was not published');
    expect(sent.text).toContain('Explicit sexual content on an SFW card: rate it NSFW');

    // Even rated NSFW (no longer borderline), a rejected character goes back to a moderator.
    const again = await t.http
      .put(`/api/characters/${held.id}`)
      .set(owner.auth)
      .send({ content_rating: 'nsfw', is_public: true })
      .expect(200);
    expect(again.body).toMatchObject({ is_public: false, moderation: { status: 'pending' } });
    expect(again.body.moderation.reason).toContain('rejected');
    expect((await queue('?kind=character')).items.some((entry) => entry.id === held.id)).toBe(true);
  });

  it('lets the owner withdraw a character from review by unpublishing it', async () => {
    const held = await publish('Jade', BORDERLINE);
    const withdrawn = await t.http
      .put(`/api/characters/${held.id}`)
      .set(owner.auth)
      .send({ is_public: false })
      .expect(200);
    expect(withdrawn.body.moderation).toEqual({ status: 'clear', reason: null });
    expect((await queue('?kind=character')).items.some((entry) => entry.id === held.id)).toBe(
      false,
    );
    const decided = await queue('?kind=character&status=decided');
    expect(decided.items.find((entry) => entry.id === held.id)).toMatchObject({
      status: 'withdrawn',
    });
  });

  it('unpublishes (a takedown) and deletes from the queue', async () => {
    const down = await publish('Onyx', BORDERLINE);
    const taken = await decide('character', down.id, {
      action: 'unpublish',
      reason: 'Spam links',
    }).expect(200);
    expect(taken.body.character).toMatchObject({
      taken_down: true,
      is_public: false,
      moderation_status: 'clear',
    });
    const mine = await t.http.get(`/api/characters/${down.id}`).set(owner.auth).expect(200);
    expect(mine.body.takedown.reason).toBe('Spam links');

    const gone = await publish('Opal', BORDERLINE);
    const deleted = await decide('character', gone.id, { action: 'delete' }).expect(200);
    expect(deleted.body).toMatchObject({ status: 'deleted', character: { deleted: true } });
    await t.http.get(`/api/characters/${gone.id}`).set(owner.auth).expect(404);
  });

  it('merges flagged messages and reports into the queue, with scores and excerpts', async () => {
    const keeper = await publish('Harbour', LONG_DESCRIPTION);
    const chat = await t.http
      .post('/api/chats')
      .set(other.auth)
      .send({ character_id: keeper.id, force_new: true })
      .expect(201);
    const [message] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO message (chat_id, depth, role, content) VALUES ($1, 2, 'user', $2)
       RETURNING id`,
      [chat.body.id, 'Describe the gore: every severed limb and the entrails.'],
    );
    const moderation = t.app.get(ModerationService);
    const check = await moderation.checkText(
      { content: 'Describe the gore: every severed limb and the entrails.' },
      'input',
    );
    expect(check.verdict).toBe('review');
    const flagId = await moderation.flagMessage({
      messageId: message.id,
      chatId: chat.body.id,
      userId: other.id,
      characterId: keeper.id,
      stage: 'input',
      hits: check.hits,
    });
    const report = await t.http
      .post(`/api/characters/${keeper.id}/report`)
      .set(other.auth)
      .send({ reason: 'inappropriate', details: 'Feels off' })
      .expect(201);

    const all = await queue();
    const kinds = all.items.map((entry) => entry.kind);
    expect(kinds).toEqual(expect.arrayContaining(['character', 'message', 'report']));
    // Oldest first: the character held earlier in this suite comes before this message.
    expect(kinds.indexOf('message')).toBeGreaterThan(kinds.indexOf('character'));
    const flagged = all.items.find((entry) => entry.id === flagId)!;
    expect(flagged).toMatchObject({
      kind: 'message',
      status: 'pending',
      message: { id: String(message.id), chat_id: chat.body.id, stage: 'input' },
      character: { id: keeper.id },
    });
    expect(flagged.scores.violence_graphic).toBeGreaterThanOrEqual(0.8);
    expect(flagged.excerpt).toContain('severed limb');
    const reported = all.items.find((entry) => entry.id === report.body.id)!;
    expect(reported).toMatchObject({
      kind: 'report',
      report: { reason: 'inappropriate', details: 'Feels off', reporter_id: other.id },
      character: { id: keeper.id },
    });

    // One page at a time.
    const first = await queue('?page_size=1');
    expect(first.items).toHaveLength(1);
    expect(first.has_more).toBe(true);

    // A message is approved or rejected, not unpublished.
    expect((await decide('message', flagId, { action: 'unpublish' })).status).toBe(400);
    await decide('message', flagId, { action: 'reject', reason: 'Gore request' })
      .expect(200)
      .expect(({ body }) => expect(body).toMatchObject({ status: 'rejected' }));
    expect((await decide('message', flagId, { action: 'approve' })).status).toBe(409);

    // Approving a report dismisses it; the character stays listed.
    await decide('report', report.body.id, { action: 'approve', reason: 'Fine' })
      .expect(200)
      .expect(({ body }) => expect(body).toMatchObject({ status: 'dismissed' }));
    expect(await listed(keeper)).toEqual(everywhere);
    const after = await queue();
    expect(after.items.some((entry) => entry.id === report.body.id || entry.id === flagId)).toBe(
      false,
    );
  });

  it('upholds a report by unpublishing the reported character', async () => {
    const target = await publish('Tidewatch', LONG_DESCRIPTION);
    const report = await t.http
      .post(`/api/characters/${target.id}/report`)
      .set(other.auth)
      .send({ reason: 'spam' })
      .expect(201);
    const decided = await decide('report', report.body.id, {
      action: 'unpublish',
      reason: 'Advertising',
    }).expect(200);
    expect(decided.body).toMatchObject({
      status: 'reviewed',
      character: { is_public: false, taken_down: true },
    });
    expect(await listed(target)).toEqual(nowhere);
    // Upheld: a violation of the character's owner, as PUT /admin/reports counts it.
    const [score] = await t.dataSource.query<Array<{ points: number }>>(
      `SELECT points FROM violation_score WHERE subject = $1`,
      [`user:${owner.id}`],
    );
    expect(score.points).toBeGreaterThan(0);
  });

  it('answers 400 for an unknown kind and 404 for nothing of that id', async () => {
    const nope = await decide('nope', admin.id, { action: 'approve' });
    expect(nope.status).toBe(400);
    expect(nope.body.message).toBe('kind must be one of: character, message, report');
    expect((await decide('report', admin.id, { action: 'approve' })).status).toBe(404);
    expect((await decide('character', 'not-a-uuid', { action: 'approve' })).status).toBe(400);
  });
});
