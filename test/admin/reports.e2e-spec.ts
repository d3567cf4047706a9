import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

describe('admin moderation of reports', () => {
  let t: TestApp;
  let admin: TestUser;
  let owner: TestUser;
  let reporter: TestUser;
  let other: TestUser;
  let character: { id: string; slug: string };
  let reportIds: string[];

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0' } });
    [admin, owner, reporter, other] = await Promise.all([
      createUser(t, { role: 'admin' }),
      createUser(t),
      createUser(t),
      createUser(t),
    ]);
    character = await publishedCharacter('Reported Rogue');
    reportIds = [];
    for (const [user, reason, details] of [
      [reporter, 'spam', 'Advertises a website'],
      [other, 'impersonation', ''],
      [reporter, 'other', 'Second thoughts'],
    ] as const) {
      const res = await t.http
        .post(`/api/characters/${character.id}/report`)
        .set(user.auth)
        .send({ reason, ...(details ? { details } : {}) })
        .expect(201);
      reportIds.push(res.body.id);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  async function publishedCharacter(name: string): Promise<{ id: string; slug: string }> {
    const { body } = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name, description: 'Up to no good' })
      .expect(201);
    // Avatar uploads are tested with the characters; here the row just gets one.
    await t.dataSource.query(
      `UPDATE character SET avatar_url = '/api/avatars/test.png' WHERE id = $1`,
      [body.id],
    );
    await rowCachesCaughtUp(t);
    await t.http
      .put(`/api/characters/${body.id}`)
      .set(owner.auth)
      .send({ is_public: true })
      .expect(200);
    return { id: body.id, slug: body.slug };
  }

  const reports = (query = '') =>
    t.http.get(`/api/admin/reports${query}`).set(admin.auth).expect(200);
  const decide = (id: string, body: unknown) =>
    t.http
      .put(`/api/admin/reports/${id}`)
      .set(admin.auth)
      .send(body as object);

  it('lists reports newest first with the character summary and the reporter', async () => {
    const { body } = await reports();
    expect(body).toMatchObject({ page: 1, page_size: 50, has_more: false });
    expect(body.items.map((report: { id: string }) => report.id)).toEqual([...reportIds].reverse());
    expect(body.items[2]).toEqual({
      id: reportIds[0],
      reason: 'spam',
      details: 'Advertises a website',
      status: 'pending',
      resolution_note: null,
      character: {
        id: character.id,
        slug: character.slug,
        name: 'Reported Rogue',
        owner_id: owner.id,
        is_public: true,
        taken_down: false,
        deleted: false,
      },
      reporter: { id: reporter.id, email: reporter.email },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(body.items[1].reporter).toEqual({ id: other.id, email: other.email });
  });

  it('pages and filters by status', async () => {
    const first = await reports('?page_size=2');
    expect(first.body).toMatchObject({ page: 1, page_size: 2, has_more: true });
    expect(first.body.items).toHaveLength(2);
    const second = await reports('?page_size=2&page=2');
    expect(second.body).toMatchObject({ page: 2, has_more: false });
    expect(second.body.items.map((report: { id: string }) => report.id)).toEqual([reportIds[0]]);
    expect((await reports('?status=pending')).body.items).toHaveLength(3);
    expect((await reports('?status=reviewed')).body.items).toEqual([]);
    for (const query of ['?status=closed', '?page=0', '?page_size=101', '?page=x', '?sort=new']) {
      await t.http.get(`/api/admin/reports${query}`).set(admin.auth).expect(400);
    }
  });

  it('records a decision and a note without touching the character', async () => {
    const res = await decide(reportIds[1], { status: 'dismissed', note: '  Looks fine.  ' }).expect(
      200,
    );
    expect(res.body).toMatchObject({
      id: reportIds[1],
      status: 'dismissed',
      resolution_note: 'Looks fine.',
      character: { id: character.id, is_public: true },
    });
    expect(
      (await reports('?status=dismissed')).body.items.map((r: { id: string }) => r.id),
    ).toEqual([reportIds[1]]);
    // Absent keeps the note, empty clears it; pending reopens.
    const reopened = await decide(reportIds[1], { status: 'pending' }).expect(200);
    expect(reopened.body).toMatchObject({ status: 'pending', resolution_note: 'Looks fine.' });
    const cleared = await decide(reportIds[1], { status: 'dismissed', note: '' }).expect(200);
    expect(cleared.body.resolution_note).toBeNull();
  });

  it('unpublishes the character when asked: out of the catalogue, hidden from others', async () => {
    await t.http.get(`/api/characters/${character.slug}`).set(other.auth).expect(200);
    const res = await decide(reportIds[0], {
      status: 'reviewed',
      note: 'Spam link removed from the catalogue',
      unpublish: true,
    }).expect(200);
    expect(res.body).toMatchObject({
      status: 'reviewed',
      resolution_note: 'Spam link removed from the catalogue',
      character: { id: character.id, is_public: false, taken_down: true, deleted: false },
    });
    const [row] = await t.dataSource.query(`SELECT is_public FROM character WHERE id = $1`, [
      character.id,
    ]);
    expect(row.is_public).toBe(false);
    await t.http.get(`/api/characters/${character.slug}`).set(other.auth).expect(404);
    const catalogue = await t.http.get('/api/characters?page_size=50').expect(200);
    expect(catalogue.body.items.map((c: { id: string }) => c.id)).not.toContain(character.id);
    // Its owner still has it, as a private draft.
    await t.http.get(`/api/characters/${character.id}`).set(owner.auth).expect(200);
    // Every report on it now shows the character as private.
    const listed = (await reports()).body.items;
    expect(listed.every((r: { character: { is_public: boolean } }) => !r.character.is_public)).toBe(
      true,
    );
  });

  it('still lists a report after its character was deleted', async () => {
    const doomed = await publishedCharacter('Doomed Duke');
    const filed = await t.http
      .post(`/api/characters/${doomed.id}/report`)
      .set(reporter.auth)
      .send({ reason: 'inappropriate' })
      .expect(201);
    await t.http.delete(`/api/characters/${doomed.id}`).set(owner.auth).expect(204);
    const listed = (await reports()).body.items.find((r: { id: string }) => r.id === filed.body.id);
    expect(listed.character).toMatchObject({ id: doomed.id, deleted: true });
    await decide(filed.body.id, { status: 'reviewed' }).expect(200);
  });

  it('refuses invalid decisions and unknown reports', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      [reportIds[2], {}, 400, 'status must be one of the following values'],
      [reportIds[2], { status: 'closed' }, 400, 'status must be one of the following values'],
      [reportIds[2], { status: 'reviewed', unpublish: 'yes' }, 400, 'unpublish must be a boolean'],
      [reportIds[2], { status: 'reviewed', note: 'x'.repeat(2001) }, 400, 'note must be shorter'],
      [reportIds[2], { status: 'reviewed', ban: true }, 400, 'property ban should not exist'],
      ['not-a-uuid', { status: 'reviewed' }, 400, 'id must be a UUID'],
      ['00000000-0000-4000-8000-000000000000', { status: 'reviewed' }, 404, 'Report not found'],
    ];
    for (const [id, body, status, message] of cases) {
      const res = await decide(id, body);
      expect({ body, status: res.status, message: res.body.message }).toEqual({
        body,
        status,
        message: expect.stringContaining(message),
      });
    }
    const [row] = await t.dataSource.query(`SELECT status FROM report WHERE id = $1`, [
      reportIds[2],
    ]);
    expect(row.status).toBe('pending');
  });

  it('records each decision in the audit log with the state before and after', async () => {
    const { body } = await t.http
      .get('/api/admin/audit?action=report.update')
      .set(admin.auth)
      .expect(200);
    expect(body.items).toHaveLength(5);
    const unpublished = body.items.find(
      (entry: { target: string }) => entry.target === `report:${reportIds[0]}`,
    );
    expect(unpublished).toMatchObject({
      actor_id: admin.id,
      action: 'report.update',
      before: { status: 'pending', resolution_note: null, character_public: true },
      after: {
        status: 'reviewed',
        resolution_note: 'Spam link removed from the catalogue',
        character_public: false,
      },
    });
    expect(t.errorLogs()).toEqual([]);
  });
});
