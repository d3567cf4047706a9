import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/**
 * Issue #24 item 9: a character a moderator unpublished stays down until a moderator lifts
 * it. Its owner learns why and cannot publish it again by any path: an edit, a fork of it, a
 * re-import of its card.
 */
describe('takedowns', () => {
  let t: TestApp;
  let admin: TestUser;
  let owner: TestUser;
  let reporter: TestUser;
  let other: TestUser;
  let character: { id: string; slug: string };

  const REASON = 'Links to a scam site in the greeting';

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0' } });
    [admin, owner, reporter, other] = await Promise.all([
      createUser(t, { role: 'admin' }),
      createUser(t),
      createUser(t),
      createUser(t),
    ]);
    character = await publishedCharacter(`Shady Sam ${randomUUID().slice(0, 6)}`);
    const report = await t.http
      .post(`/api/characters/${character.id}/report`)
      .set(reporter.auth)
      .send({ reason: 'spam', details: 'Sends people to a phishing page' })
      .expect(201);
    const decided = await t.http
      .put(`/api/admin/reports/${report.body.id}`)
      .set(admin.auth)
      .send({ status: 'reviewed', unpublish: true, takedown_reason: REASON })
      .expect(200);
    expect(decided.body.character).toMatchObject({ is_public: false, taken_down: true });
  });

  afterAll(async () => {
    await t?.close();
  });

  async function giveAvatar(id: string): Promise<void> {
    // Avatar uploads are tested with the characters; here the row just gets one.
    await t.dataSource.query(
      `UPDATE character SET avatar_url = '/api/avatars/test.png' WHERE id = $1`,
      [id],
    );
    await rowCachesCaughtUp(t);
  }

  async function publishedCharacter(name: string): Promise<{ id: string; slug: string }> {
    const { body } = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name, description: 'Knows a shortcut to riches', greeting: 'Psst.' })
      .expect(201);
    await giveAvatar(body.id);
    await t.http
      .put(`/api/characters/${body.id}`)
      .set(owner.auth)
      .send({ is_public: true })
      .expect(200);
    return { id: body.id, slug: body.slug };
  }

  const row = async (id: string) =>
    (
      await t.dataSource.query(
        `SELECT is_public, taken_down_at, takedown_reason, description FROM character WHERE id = $1`,
        [id],
      )
    )[0] as {
      is_public: boolean;
      taken_down_at: Date | null;
      takedown_reason: string | null;
      description: string;
    };

  const publishAs = (user: TestUser, id: string, extra: object = {}) =>
    t.http
      .put(`/api/characters/${id}`)
      .set(user.auth)
      .send({ is_public: true, ...extra });

  const expectRefused = (res: { status: number; body: { message: string } }, reason = REASON) => {
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('taken down by a moderator');
    expect(res.body.message).toContain(reason);
  };

  it('refuses a takedown_reason without unpublish: true (400), leaving report and character as they were', async () => {
    const target = await publishedCharacter(`Quiet Quinn ${randomUUID().slice(0, 6)}`);
    const report = await t.http
      .post(`/api/characters/${target.id}/report`)
      .set(reporter.auth)
      .send({ reason: 'spam' })
      .expect(201);
    for (const unpublish of [undefined, false]) {
      const res = await t.http
        .put(`/api/admin/reports/${report.body.id}`)
        .set(admin.auth)
        .send({ status: 'reviewed', unpublish, takedown_reason: 'Meant to take it down' });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('takedown_reason requires unpublish: true');
    }
    const [after] = await t.dataSource.query<{ status: string }[]>(
      'SELECT status FROM report WHERE id = $1',
      [report.body.id],
    );
    expect(after!.status).toBe('pending');
    expect(await row(target.id)).toMatchObject({ is_public: true, taken_down_at: null });
  });

  it('shows the owner (and admins) the state and the reason, and nobody else', async () => {
    const mine = await t.http.get(`/api/characters/${character.id}`).set(owner.auth).expect(200);
    expect(mine.body).toMatchObject({
      is_public: false,
      takedown: { taken_down_at: expect.any(String), reason: REASON },
    });
    const listed = await t.http.get('/api/characters?mine=true').set(owner.auth).expect(200);
    expect(listed.body.items.find((c: { id: string }) => c.id === character.id).takedown).toEqual(
      mine.body.takedown,
    );
    const asAdmin = await t.http.get(`/api/characters/${character.id}`).set(admin.auth);
    expect(asAdmin.body.takedown.reason).toBe(REASON);

    // Others: the character is gone, from the page, the catalogue and the card export.
    await t.http.get(`/api/characters/${character.id}`).set(other.auth).expect(404);
    await t.http.get(`/api/characters/${character.slug}`).expect(404);
    await t.http.get(`/api/characters/${character.id}/export`).expect(404);
    const catalogue = await t.http.get('/api/characters?page_size=50&sort=new').expect(200);
    expect(catalogue.body.items.map((c: { id: string }) => c.id)).not.toContain(character.id);

    // A public character shows no takedown field at all to anyone but its owner and admins.
    const visible = await publishedCharacter(`Honest Hal ${randomUUID().slice(0, 6)}`);
    for (const auth of [other.auth, {}]) {
      const res = await t.http.get(`/api/characters/${visible.id}`).set(auth).expect(200);
      expect(res.body).not.toHaveProperty('takedown');
    }
    const page = await t.http.get('/api/characters?page_size=50&sort=new').expect(200);
    for (const item of page.body.items) expect(item).not.toHaveProperty('takedown');
    const own = await t.http.get(`/api/characters/${visible.id}`).set(owner.auth).expect(200);
    expect(own.body.takedown).toBeNull();
  });

  it('refuses the owner every way back into the catalogue: publish, publish with an edit', async () => {
    expectRefused(await publishAs(owner, character.id));
    expectRefused(await publishAs(owner, character.id, { description: 'Reformed, honestly' }));
    // Nothing of the refused edit was written.
    expect(await row(character.id)).toMatchObject({
      is_public: false,
      description: 'Knows a shortcut to riches',
      takedown_reason: REASON,
    });
    // Editing it in private is fine, and does not lift the takedown.
    const edited = await t.http
      .put(`/api/characters/${character.id}`)
      .set(owner.auth)
      .send({ description: 'Now without links', is_public: false })
      .expect(200);
    expect(edited.body).toMatchObject({ is_public: false, takedown: { reason: REASON } });
    // Even an admin's plain edit does not publish it: lifting is the reinstate route's job.
    expectRefused(await publishAs(admin, character.id));
    // The database holds it too, for any write path to come.
    await expect(
      t.dataSource.query(`UPDATE character SET is_public = true WHERE id = $1`, [character.id]),
    ).rejects.toThrow(/ck_character_taken_down_private/);
  });

  it('keeps a fork of it down: others cannot fork it, the owner gets a copy that stays down', async () => {
    await t.http.post(`/api/characters/${character.id}/fork`).set(other.auth).expect(404);
    await t.http.post(`/api/characters/${character.id}/fork`).set(admin.auth).expect(400);
    const copy = await t.http
      .post(`/api/characters/${character.id}/fork`)
      .set(owner.auth)
      .expect(201);
    expect(copy.body).toMatchObject({
      is_public: false,
      forked_from_id: character.id,
      takedown: { reason: REASON },
    });
    await giveAvatar(copy.body.id);
    expectRefused(await publishAs(owner, copy.body.id));
    expect((await row(copy.body.id)).is_public).toBe(false);
  });

  it('keeps a re-import of its card down, and a word-for-word re-creation', async () => {
    const card = await t.http
      .get(`/api/characters/${character.id}/export?format=json`)
      .set(owner.auth)
      .expect(200);
    const imported = await t.http
      .post('/api/characters/import')
      .set(owner.auth)
      .send(JSON.parse(card.text))
      .expect(201);
    expect(imported.body.takedown).toEqual({
      taken_down_at: expect.any(String),
      reason: expect.stringContaining(REASON),
    });
    await giveAvatar(imported.body.id);
    expectRefused(await publishAs(owner, imported.body.id));

    const original = await t.http.get(`/api/characters/${character.id}`).set(owner.auth);
    const recreated = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({
        name: original.body.name,
        description: original.body.description,
        greeting: original.body.greeting,
      })
      .expect(201);
    expect(recreated.body.takedown?.reason).toContain(REASON);

    // A different character of the same owner is not caught by it.
    const fresh = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: original.body.name, description: 'Something else entirely' })
      .expect(201);
    expect(fresh.body.takedown).toBeNull();
  });

  it('lets an admin reinstate it (audited); then it is public again and its owner may edit it', async () => {
    const lifted = await t.http
      .post(`/api/admin/characters/${character.id}/reinstate`)
      .set(admin.auth)
      .send({})
      .expect(200);
    expect(lifted.body).toMatchObject({ id: character.id, is_public: true, takedown: null });
    await t.http.get(`/api/characters/${character.slug}`).set(other.auth).expect(200);
    expect(await row(character.id)).toMatchObject({ taken_down_at: null, takedown_reason: null });

    // Lifted, it is an ordinary character: its owner may unpublish and publish it.
    await t.http
      .put(`/api/characters/${character.id}`)
      .set(owner.auth)
      .send({ is_public: false })
      .expect(200);
    await publishAs(owner, character.id).expect(200);

    const audit = await t.http
      .get('/api/admin/audit?action=character.reinstate')
      .set(admin.auth)
      .expect(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        actor_id: admin.id,
        target: `character:${character.id}`,
        before: { is_public: false, taken_down_at: expect.any(String), takedown_reason: REASON },
        after: { is_public: true, taken_down_at: null, takedown_reason: null },
      }),
    ]);
  });

  it('reinstates without publishing when asked, and refuses what is not taken down', async () => {
    const [copy] = await t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM character WHERE forked_from_id = $1`,
      [character.id],
    );
    const lifted = await t.http
      .post(`/api/admin/characters/${copy.id}/reinstate`)
      .set(admin.auth)
      .send({ publish: false })
      .expect(200);
    expect(lifted.body).toMatchObject({ is_public: false, takedown: null });
    await publishAs(owner, copy.id).expect(200);

    const cases: Array<[string, unknown, number, string]> = [
      [character.id, {}, 409, 'not taken down'],
      [randomUUID(), {}, 404, 'Character not found'],
      ['not-a-uuid', {}, 400, 'id must be a UUID'],
      [character.id, { publish: 'yes' }, 400, 'publish must be a boolean'],
      [character.id, { reason: 'x' }, 400, 'property reason should not exist'],
    ];
    for (const [id, body, status, message] of cases) {
      const res = await t.http
        .post(`/api/admin/characters/${id}/reinstate`)
        .set(admin.auth)
        .send(body as object);
      expect({ id, status: res.status, message: res.body.message }).toEqual({
        id,
        status,
        message: expect.stringContaining(message),
      });
    }
    await t.http
      .post(`/api/admin/characters/${character.id}/reinstate`)
      .set(owner.auth)
      .expect(403);
    expect(t.errorLogs()).toEqual([]);
  });
});
