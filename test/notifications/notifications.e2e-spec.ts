/**
 * Notifications (issue #21): each trigger raises exactly one (forks and favorites batched per
 * character per day), reading them, the live stream across instances, settings.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { documentedPaths } from '../support/openapi.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import { MailService } from '../../src/common/mail/mail.service.js';
import { DigestService } from '../../src/notifications/digest.service.js';
import { NotificationStreamTickets } from '../../src/notifications/notification-stream-tickets.js';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import {
  eventually,
  guest,
  llmEnv,
  openChat,
  publicCharacter,
  send,
  stream,
} from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

interface Notification {
  id: string;
  type: string;
  metadata: Record<string, unknown>;
  count: number;
  read_at: string | null;
}

describe('notifications', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let second: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    fake = await startFakeLlm();
    const env = { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' };
    t = await createTestApp({ env });
    second = await createTestApp({ env, databaseUrl: t.databaseUrl });
    admin = await createUser(t, { role: 'admin' });
  });

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await fake?.close();
  });

  const mine = async (user: TestUser, query = ''): Promise<Notification[]> =>
    (await t.http.get(`/api/notifications${query}`).set(user.auth).expect(200)).body.items;

  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(t)));

  it('batches forks of a character in a day into one notification; my own fork raises none', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner, { name: 'Mira' });
    for (const forker of await users(5)) {
      await t.http.post(`/api/characters/${character.id}/fork`).set(forker.auth).expect(201);
    }
    await t.http.post(`/api/characters/${character.id}/fork`).set(owner.auth).expect(201);
    const list = await mine(owner);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      type: 'character_forked',
      count: 5,
      metadata: { character_id: character.id, character_name: 'Mira' },
      read_at: null,
    });
    // Only public names and ids: no other user's email or id.
    const text = JSON.stringify(list);
    expect(text).not.toMatch(/@example\.test/);
  });

  it('batches favorites per character per day; a favorite removed and added again is not new', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner);
    const [a, b] = await users(2);
    const url = `/api/characters/${character.id}/favorite`;
    await t.http.post(url).set(a.auth).expect(200);
    // Added twice, removed, added again: still one favorite of a's.
    await t.http.post(url).set(a.auth).expect(200);
    await t.http.delete(url).set(a.auth).expect(200);
    await t.http.post(url).set(a.auth).expect(200);
    await t.http.post(url).set(b.auth).expect(200);
    const list = await mine(owner);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ type: 'character_favorited', count: 2 });
    // The favorite is really back (it is only not news).
    const favorites = await t.http.get('/api/me/favorites').set(a.auth).expect(200);
    expect(favorites.body.items.map((item: { id: string }) => item.id)).toEqual([character.id]);
    // Once read, a removal and a re-add the same day does not make it unread again.
    await t.http.post('/api/notifications/read-all').set(owner.auth).expect(200);
    await t.http.delete(url).set(b.auth).expect(200);
    await t.http.post(url).set(b.auth).expect(200);
    expect(await mine(owner, '?unread=true')).toEqual([]);
  });

  it('tells the owner once when a vote takes the score to a milestone', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner);
    await t.dataSource.query(`UPDATE character SET vote_score = 9 WHERE id = $1`, [character.id]);
    await rowCachesCaughtUp(t);
    const voter = await createUser(t);
    const vote = (value: number) =>
      t.http.post(`/api/characters/${character.id}/vote`).set(voter.auth).send({ value });
    await vote(1).expect(200);
    await vote(0).expect(200);
    await vote(1).expect(200);
    const list = await mine(owner);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ type: 'vote_milestone', metadata: { milestone: 10 } });
  });

  it('tells the owner once when a report on their character is decided', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner);
    const reporter = await createUser(t);
    await t.http
      .post(`/api/characters/${character.id}/report`)
      .set(reporter.auth)
      .send({ reason: 'spam' })
      .expect(201);
    const [report] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM report WHERE character_id = $1`,
      [character.id],
    );
    await t.http
      .put(`/api/admin/reports/${report.id}`)
      .set(admin.auth)
      .send({ status: 'reviewed', note: 'Checked' })
      .expect(200);
    // A later edit of the note is not a new decision.
    await t.http
      .put(`/api/admin/reports/${report.id}`)
      .set(admin.auth)
      .send({ status: 'reviewed', note: 'Checked twice' })
      .expect(200);
    const list = await mine(owner);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      type: 'report_decided',
      metadata: { character_id: character.id, status: 'reviewed', unpublished: false },
    });
    expect(JSON.stringify(list)).not.toContain(reporter.id);
  });

  it('tells the owner when moderation unpublishes their character', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner);
    await t.http
      .post(`/api/admin/moderation/character/${character.id}/decision`)
      .set(admin.auth)
      .send({ action: 'unpublish', reason: 'Not allowed here' })
      .expect(200);
    const list = await mine(owner);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      type: 'character_moderated',
      metadata: { character_id: character.id, decision: 'unpublished', reason: 'Not allowed here' },
    });
  });

  it('tells the owner once when moderation holds their listed character, and once when it is rejected', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner, { name: 'Scarlet' });
    const edit = (description: string) =>
      t.http.put(`/api/characters/${character.id}`).set(owner.auth).send({ description });
    // Borderline text on an SFW card: the automatic screening takes it out of the catalogue.
    const held = await edit(
      'A sultry cabaret dancer who talks about sex and porn all night with the patrons of the club.',
    ).expect(200);
    expect(held.body).toMatchObject({ is_public: false, moderation: { status: 'pending' } });
    // A second edit while it waits is no new event.
    await edit(
      'A sultry cabaret dancer who talks about sex and porn all night long with the patrons.',
    ).expect(200);
    let list = await mine(owner);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      type: 'character_moderated',
      metadata: {
        character_id: character.id,
        character_name: 'Scarlet',
        decision: 'held_for_review',
        reason: expect.stringContaining('sexual'),
      },
    });
    // The moderator's decision from the review queue is the second, and the last.
    await t.http
      .post(`/api/admin/moderation/character/${character.id}/decision`)
      .set(admin.auth)
      .send({ action: 'reject', reason: 'Rate it NSFW' })
      .expect(200);
    list = await mine(owner);
    expect(list.map((item) => [item.type, item.metadata.decision])).toEqual([
      ['character_moderated', 'rejected'],
      ['character_moderated', 'held_for_review'],
    ]);
    expect(list[0].metadata.reason).toBe('Rate it NSFW');
    // A refused edit (422) is answered to the editor and raises nothing.
    const plain = await publicCharacter(t, owner, { name: 'Plain' });
    await t.http
      .put(`/api/characters/${plain.id}`)
      .set(owner.auth)
      .send({
        description: 'Lily is a 14 year old schoolgirl who wants to have sex with her teacher.',
      })
      .expect(422);
    expect(await mine(owner)).toHaveLength(2);
  });

  it('tells me a reply finished after I left, and nothing when I stayed to the end', async () => {
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner, { name: 'Theo' });
    const user = await createUser(t);
    const chatId = await openChat(t, user.auth, character.id);
    fake.script({ content: 'Stayed.' });
    await send(t, user.auth, chatId);
    expect(await mine(user)).toEqual([]);

    const tokens = Array.from({ length: 20 }, (_, i) => ` w${i}`);
    fake.script({ tokens, tokenIntervalMs: 20 });
    const left = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: user.auth,
      body: { content: 'Tell me a long story' },
    });
    await left.next();
    left.close();
    await eventually(async () => (await mine(user)).length > 0);
    const list = await mine(user);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      type: 'reply_ready',
      metadata: { chat_id: chatId, character_id: character.id, character_name: 'Theo' },
    });
  });

  it('pages newest first with a cursor, reads one and all; another user’s is not found', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const notifications = t.app.get(NotificationsService);
    for (let i = 0; i < 5; i++) {
      await notifications.raise(user.id, 'report_decided', { n: i });
    }
    const first = await t.http.get('/api/notifications?limit=2').set(user.auth).expect(200);
    expect(first.body.unread_count).toBe(5);
    expect(first.body.items.map((item: Notification) => item.metadata.n)).toEqual([4, 3]);
    const next = await t.http
      .get(`/api/notifications?limit=2&cursor=${first.body.next_cursor}`)
      .set(user.auth)
      .expect(200);
    expect(next.body.items.map((item: Notification) => item.metadata.n)).toEqual([2, 1]);
    await t.http.get('/api/notifications?cursor=abc').set(user.auth).expect(400);

    const id = first.body.items[0].id as string;
    await t.http.post(`/api/notifications/${id}/read`).set(other.auth).expect(404);
    await t.http.post(`/api/notifications/nope/read`).set(user.auth).expect(404);
    const read = await t.http.post(`/api/notifications/${id}/read`).set(user.auth).expect(200);
    expect(read.body.read_at).toEqual(expect.any(String));
    const unread = await t.http.get('/api/notifications?unread=true').set(user.auth).expect(200);
    expect(unread.body.items).toHaveLength(4);
    expect(unread.body.unread_count).toBe(4);

    const all = await t.http.post('/api/notifications/read-all').set(user.auth).expect(200);
    expect(all.body).toEqual({ marked: 4, unread_count: 0 });
    expect((await t.http.get('/api/notifications').set(user.auth)).body.unread_count).toBe(0);
    await t.http.get('/api/notifications').expect(401);
  });

  it('pushes a notification raised on one instance to a stream open on another', async () => {
    const user = await createUser(t);
    const tab = await stream(second.url, '/api/notifications/stream', {
      method: 'GET',
      headers: user.auth,
    });
    expect(tab.status).toBe(200);
    expect(await tab.next()).toEqual({ type: 'ready', unread_count: 0 });
    const owner = user;
    const character = await publicCharacter(t, owner, { name: 'Ansel' });
    const forker = await createUser(t);
    await t.http.post(`/api/characters/${character.id}/fork`).set(forker.auth).expect(201);
    const event = (await tab.next()) as unknown as { type: string; notification: Notification };
    expect(event).toMatchObject({
      type: 'notification',
      notification: { type: 'character_forked', count: 1, metadata: { character_name: 'Ansel' } },
    });
    tab.close();
  });

  it('opens the stream with a ticket instead of headers (EventSource), from any instance', async () => {
    const user = await createUser(t);
    const issued = await t.http.post('/api/notifications/stream-ticket').set(user.auth).expect(201);
    const { ticket, expires_at } = issued.body as { ticket: string; expires_at: string };
    expect(Date.parse(expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    // No Authorization header: only the ticket in the URL, as EventSource sends it.
    const tab = await stream(second.url, `/api/notifications/stream?ticket=${ticket}`, {
      method: 'GET',
    });
    expect(tab.status).toBe(200);
    expect(await tab.next()).toEqual({ type: 'ready', unread_count: 0 });
    const character = await publicCharacter(t, user, { name: 'Tova' });
    await t.http.post(`/api/characters/${character.id}/fork`).set((await createUser(t)).auth);
    expect(await tab.next()).toMatchObject({
      type: 'notification',
      notification: { type: 'character_forked', metadata: { character_name: 'Tova' } },
    });
    tab.close();
    await t.http.post('/api/notifications/stream-ticket').expect(401);
  });

  it('refuses a missing, expired, forged, chat or login ticket with 401', async () => {
    const user = await createUser(t);
    const refused = async (ticket: string | null, message: RegExp) => {
      const query = ticket === null ? '' : `?ticket=${encodeURIComponent(ticket)}`;
      const res = await stream(t.url, `/api/notifications/stream${query}`, { method: 'GET' });
      res.close();
      expect({ status: res.status, message: res.body?.message }).toEqual({
        status: 401,
        message: expect.stringMatching(message),
      });
    };
    await refused(null, /stream ticket/);
    const tickets = t.app.get(NotificationStreamTickets);
    const stale = await tickets.issue(user.id, new Date(Date.now() - 61_000));
    await refused(stale.ticket, /expired/);
    // A login token is never a ticket: no long-lived credential in a URL.
    await refused(user.token, /^Invalid stream ticket$/);
    const valid = (await tickets.issue(user.id)).ticket;
    const [head, body, signature] = valid.split('.');
    const other = await createUser(t);
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(body, 'base64url').toString()),
        sub: `user:${other.id}`,
      }),
    ).toString('base64url');
    await refused(`${head}.${forged}.${signature}`, /^Invalid stream ticket$/);
    // A chat's re-attach ticket does not open notifications.
    const character = await publicCharacter(t, other);
    const chatId = await openChat(t, user.auth, character.id);
    const chatTicket = await t.http.post(`/api/chats/${chatId}/stream-ticket`).set(user.auth);
    expect(chatTicket.status).toBe(201);
    await refused(chatTicket.body.ticket, /Not a notification stream ticket/);
    // Nor is a ticket a session.
    await t.http
      .get('/api/notifications')
      .set({ Authorization: `Bearer ${valid}` })
      .expect(401);
  });

  it('holds at most five streams per user per instance', async () => {
    const user = await createUser(t);
    const tabs = [];
    for (let i = 0; i < 5; i++) {
      const tab = await stream(t.url, '/api/notifications/stream', {
        method: 'GET',
        headers: user.auth,
      });
      expect(tab.status).toBe(200);
      tabs.push(tab);
    }
    const sixth = await stream(t.url, '/api/notifications/stream', {
      method: 'GET',
      headers: user.auth,
    });
    expect(sixth.status).toBe(429);
    tabs.pop()!.close();
    await eventually(async () => {
      const again = await stream(t.url, '/api/notifications/stream', {
        method: 'GET',
        headers: user.auth,
      });
      again.close();
      return again.status === 200;
    });
    for (const tab of tabs) tab.close();
  });

  it('keeps my settings; a muted type is not stored; a bad time zone is a 400', async () => {
    const user = await createUser(t);
    const url = '/api/me/notification-settings';
    expect((await t.http.get(url).set(user.auth).expect(200)).body).toEqual({
      muted_types: [],
      weekly_digest: false,
      creator_digest: false,
      time_zone: 'UTC',
      quiet_start: 22,
      quiet_end: 9,
    });
    const put = await t.http
      .put(url)
      .set(user.auth)
      .send({ muted_types: ['character_forked'], time_zone: 'Asia/Tokyo', weekly_digest: true })
      .expect(200);
    expect(put.body).toMatchObject({ muted_types: ['character_forked'], time_zone: 'Asia/Tokyo' });
    expect((await t.http.get(url).set(user.auth).expect(200)).body).toEqual(put.body);
    const bad = await t.http.put(url).set(user.auth).send({ time_zone: 'Mars/Base' }).expect(400);
    expect(bad.body.message).toMatch(/time_zone/);
    await t.http
      .put(url)
      .set(user.auth)
      .send({ muted_types: ['nope'] })
      .expect(400);
    await t.http.put(url).set(user.auth).send({ quiet_start: 24 }).expect(400);

    const character = await publicCharacter(t, user);
    const forker = await createUser(t);
    await t.http.post(`/api/characters/${character.id}/fork`).set(forker.auth).expect(201);
    expect(await mine(user)).toEqual([]);
    await t.http.get(url).expect(401);
  });

  it('documents every notification route in OpenAPI with a summary and error shapes', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    expect(documentedPaths(body, '/api/notifications', 'notifications')).toEqual([
      '/api/notifications',
      '/api/notifications/read-all',
      '/api/notifications/stream',
      '/api/notifications/stream-ticket',
      '/api/notifications/unsubscribe',
      '/api/notifications/{id}/read',
    ]);
    expect(documentedPaths(body, '/api/me/notification-settings', 'notifications')).toEqual([
      '/api/me/notification-settings',
    ]);
  });

  describe('digests', () => {
    const mailsTo = (email: string) =>
      [t, second].flatMap((app) =>
        app.app.get(MailService).outbox.filter((mail) => mail.to === email),
      );

    it('mails the weekly digest once even when two instances queue and run it', async () => {
      const user = await createUser(t);
      const quiet = await createUser(t);
      for (const who of [user, quiet]) {
        await t.http
          .put('/api/me/notification-settings')
          .set(who.auth)
          .send({ weekly_digest: true })
          .expect(200);
      }
      const notifications = t.app.get(NotificationsService);
      await notifications.raise(user.id, 'proactive_message', {
        character_name: 'Mira',
        excerpt: 'Where have you been?',
      });
      await notifications.raise(user.id, 'report_decided', {
        character_name: 'Theo',
        status: 'reviewed',
      });
      // Both instances' schedules queue it, both instances' workers run, twice over.
      await Promise.all([
        t.app.get(DigestService).enqueueDue(),
        second.app.get(DigestService).enqueueDue(),
      ]);
      await Promise.all([t.app.get(JobQueue).runDue(), second.app.get(JobQueue).runDue()]);
      await Promise.all([
        t.app.get(DigestService).enqueueDue(),
        second.app.get(DigestService).enqueueDue(),
      ]);
      await Promise.all([t.app.get(JobQueue).runDue(), second.app.get(JobQueue).runDue()]);

      const mails = mailsTo(user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toMatch(/Your week/);
      expect(mails[0].text).toContain('Mira wrote to you: "Where have you been?"');
      expect(mails[0].text).toContain('A report on Theo was decided (reviewed)');
      // Nothing unread: no mail at all.
      expect(mailsTo(quiet.email)).toEqual([]);

      // The link turns it off without signing in.
      const link = /http:\/\/frontend\.test(\/api\/notifications\/unsubscribe\?token=\S+)/.exec(
        mails[0].text,
      )![1];
      const done = await t.http.get(link).expect(200);
      expect(done.body).toEqual({ unsubscribed: 'weekly' });
      const settings = await t.http.get('/api/me/notification-settings').set(user.auth);
      expect(settings.body.weekly_digest).toBe(false);
    });

    it('refuses a forged or altered unsubscribe link', async () => {
      const victim = await createUser(t);
      const attacker = await createUser(t);
      await t.http
        .put('/api/me/notification-settings')
        .set(victim.auth)
        .send({ weekly_digest: true })
        .expect(200);
      const digests = t.app.get(DigestService);
      const own = new URL(digests.unsubscribeLink(attacker.id, 'weekly')).searchParams.get(
        'token',
      )!;
      const [, kind, signature] = own.split('.');
      const url = (token: string) =>
        `/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
      // Another user's id under my signature, a made-up signature, the wrong kind, garbage.
      for (const token of [
        `${victim.id}.${kind}.${signature}`,
        `${victim.id}.weekly.${'A'.repeat(43)}`,
        `${attacker.id}.creator_daily.${signature}`,
        'nope',
      ]) {
        const res = await t.http.get(url(token)).expect(400);
        expect(res.body.message).toMatch(/not valid/);
      }
      await t.http.get('/api/notifications/unsubscribe').expect(400);
      const settings = await t.http.get('/api/me/notification-settings').set(victim.auth);
      expect(settings.body.weekly_digest).toBe(true);
    });

    it('mails creators a daily digest of their characters: new votes, forks, favorites, milestones', async () => {
      const creator = await createUser(t);
      await t.http
        .put('/api/me/notification-settings')
        .set(creator.auth)
        .send({ creator_digest: true })
        .expect(200);
      const character = await publicCharacter(t, creator, { name: 'Keeper Ansel' });
      for (const forker of await users(2)) {
        await t.http.post(`/api/characters/${character.id}/fork`).set(forker.auth).expect(201);
      }
      const [fan, up1, up2, down, old] = await users(5);
      await t.http.post(`/api/characters/${character.id}/favorite`).set(fan.auth).expect(200);
      await t.dataSource.query(`UPDATE character SET vote_score = 8 WHERE id = $1`, [character.id]);
      await rowCachesCaughtUp(t);
      const vote = (who: TestUser, value: number) =>
        t.http
          .post(`/api/characters/${character.id}/vote`)
          .set(who.auth)
          .send({ value })
          .expect(200);
      await vote(old, 1);
      // A vote cast before the day is not new.
      await t.dataSource.query(
        `UPDATE vote SET created_at = now() - interval '2 days' WHERE user_id = $1`,
        [old.id],
      );
      await vote(up1, 1);
      await vote(up2, 1); // 8 + 3: the milestone of 10 on the way
      await vote(down, -1);
      await vote(creator, 1); // the creator's own vote is not news to them

      await t.app.get(DigestService).enqueueDue();
      await t.app.get(JobQueue).runDue();
      const mails = mailsTo(creator.email);
      expect(mails).toHaveLength(1);
      const lines = mails[0].text.split('\n').filter((line) => line.startsWith('- '));
      expect(lines).toEqual([
        '- Keeper Ansel got 3 new votes (2 up, 1 down)',
        '- Keeper Ansel reached 10 votes',
        '- Keeper Ansel was made a favorite',
        '- Keeper Ansel was forked 2 times',
      ]);
      expect(mails[0].text).toMatch(/unsubscribe\?token=/);
    });

    it('counts notifications raised by type and digest mails by kind in /api/metrics', async () => {
      const metric = async (name: string, labels: string): Promise<number> => {
        const text = (await t.http.get('/api/metrics').expect(200)).text;
        const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
        return line === undefined ? 0 : Number(line.split(' ')[1]);
      };
      const raised = (type: string) => metric('notifications_raised_total', `type="${type}"`);
      const creator = await createUser(t);
      await t.http
        .put('/api/me/notification-settings')
        .set(creator.auth)
        .send({ creator_digest: true })
        .expect(200);
      const character = await publicCharacter(t, creator, { name: 'Counted' });
      const before = {
        forked: await raised('character_forked'),
        favorited: await raised('character_favorited'),
        mails: await metric('digest_mails_sent_total', 'kind="creator_daily"'),
      };
      // Two forks fold into one notification and count as two; the creator's own, none.
      for (const forker of await users(2)) {
        await t.http.post(`/api/characters/${character.id}/fork`).set(forker.auth).expect(201);
      }
      await t.http.post(`/api/characters/${character.id}/fork`).set(creator.auth).expect(201);
      const [fan] = await users(1);
      await t.http.post(`/api/characters/${character.id}/favorite`).set(fan.auth).expect(200);
      expect(await raised('character_forked')).toBe(before.forked + 2);
      expect(await raised('character_favorited')).toBe(before.favorited + 1);

      for (let run = 0; run < 2; run++) {
        await t.app.get(DigestService).enqueueDue();
        await t.app.get(JobQueue).runDue();
      }
      expect(mailsTo(creator.email)).toHaveLength(1);
      expect(await metric('digest_mails_sent_total', 'kind="creator_daily"')).toBe(
        before.mails + 1,
      );
    });

    it("lists new chats with a creator's public characters, by users and guests, not the creator's own", async () => {
      const creator = await createUser(t);
      await t.http
        .put('/api/me/notification-settings')
        .set(creator.auth)
        .send({ creator_digest: true })
        .expect(200);
      const lantern = await publicCharacter(t, creator, { name: 'Lantern' });
      const tide = await publicCharacter(t, creator, { name: 'Tide' });
      const [reader] = await users(1);
      await openChat(t, reader.auth, lantern.id);
      await openChat(t, guest(), lantern.id);
      await openChat(t, guest(), tide.id);
      await openChat(t, creator.auth, tide.id);
      // A chat older than a day is not new.
      const old = await openChat(t, guest(), tide.id);
      await t.dataSource.query(
        `UPDATE chat SET created_at = now() - interval '2 days' WHERE id = $1`,
        [old],
      );
      await t.app.get(DigestService).enqueueDue();
      await t.app.get(JobQueue).runDue();
      const mails = mailsTo(creator.email);
      expect(mails).toHaveLength(1);
      const lines = mails[0].text.split('\n').filter((line) => line.startsWith('- '));
      expect(lines).toEqual(['- Lantern was in 2 new chats', '- Tide was in 1 new chat']);
    });
  });
});
