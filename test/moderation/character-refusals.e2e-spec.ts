import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/**
 * Issue #19 item 2 (characters): every save of a character (create, edit, import, publish,
 * fork) reads all its text, lorebook included. Sexual content involving a minor — however it
 * is spelled — and an NSFW character said to be under 18 are refused with a 422 that names the
 * field and the category; nothing is saved.
 */
describe('moderation of characters: refusals', () => {
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0' } });
    [owner, other] = await Promise.all([createUser(t), createUser(t)]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const countOwned = async (user: TestUser) =>
    Number(
      (
        await t.dataSource.query<Array<{ n: string }>>(
          `SELECT count(*) AS n FROM character WHERE owner_id = $1`,
          [user.id],
        )
      )[0].n,
    );

  const expectRefused = (
    res: { status: number; body: Record<string, unknown> },
    field: string,
    category = 'minors_sexual',
    label = 'sexual content involving minors',
  ) => {
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status_code: 422, error: 'Unprocessable Entity' });
    expect(res.body.message).toBe(`${field}: refused by moderation (${category}: ${label})`);
    expect(res.body.request_id).toEqual(expect.any(String));
  };

  it.each([
    ['English', 'Lily is a 14 year old schoolgirl who wants to have sex with her teacher.'],
    ['Russian', 'Лиле 14 лет, она школьница и хочет заняться сексом с учителем.'],
    ['spacing', 'Lily is a c h i l d who wants s e x with her teacher.'],
    ['leetspeak', 'Lily, 13 y/o sch00lg1rl, w4nts s3x with her t3acher.'],
    ['look-alike letters', 'Lily is a сhild who wants sеx with her teacher.'],
    ['punctuated letters', 'Lily is a c.h.i.l.d who wants s-e-x with her teacher.'],
  ])(
    'refuses a description that makes a minor sexual (%s), saving nothing',
    async (_, description) => {
      const before = await countOwned(owner);
      const res = await t.http
        .post('/api/characters')
        .set(owner.auth)
        .send({ name: 'Lily', description, greeting: 'Hi.' });
      expectRefused(res, 'description');
      expect(await countOwned(owner)).toBe(before);
    },
  );

  it('refuses an NSFW character whose text states an age under 18, and takes the same text as SFW', async () => {
    const fields = { name: 'Mia', personality: 'Mia is 16 years old and shy.', greeting: 'Hi.' };
    const nsfw = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ ...fields, content_rating: 'nsfw' });
    expectRefused(nsfw, 'personality');
    const sfw = await t.http.post('/api/characters').set(owner.auth).send(fields).expect(201);
    // Rating it NSFW afterwards is refused too, and changes nothing.
    const rated = await t.http
      .put(`/api/characters/${sfw.body.id}`)
      .set(owner.auth)
      .send({ content_rating: 'nsfw' });
    expectRefused(rated, 'personality');
    const [row] = await t.dataSource.query<Array<{ content_rating: string }>>(
      `SELECT content_rating FROM character WHERE id = $1`,
      [sfw.body.id],
    );
    expect(row.content_rating).toBe('sfw');
  });

  it('takes adult NSFW characters, and shows its owner (only) that nothing holds them', async () => {
    await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({
        name: 'Vera',
        description: 'Vera is 29 years old, a confident adult who loves sex and flirting.',
        greeting: 'Hello there.',
        content_rating: 'nsfw',
      })
      .expect(201);
    const res = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: 'Sunny', description: 'A cheerful baker.', greeting: 'Bread?' })
      .expect(201);
    expect(res.body.moderation).toEqual({ status: 'clear', reason: null });
    await t.dataSource.query(
      `UPDATE character SET is_public = true, avatar_url = '/api/avatars/x.png' WHERE id = $1`,
      [res.body.id],
    );
    await rowCachesCaughtUp(t);
    const seen = await t.http.get(`/api/characters/${res.body.id}`).set(other.auth).expect(200);
    expect(seen.body).not.toHaveProperty('moderation');
  });

  it('refuses an edit that makes the character a sexualised minor, leaving it as it was', async () => {
    const created = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: 'Nora', scenario: 'A quiet library.', greeting: 'Shh.' })
      .expect(201);
    const res = await t.http
      .put(`/api/characters/${created.body.id}`)
      .set(owner.auth)
      .send({ scenario: 'Nora is an underage girl who performs a striptease and has sex.' });
    expectRefused(res, 'scenario');
    const mine = await t.http.get(`/api/characters/${created.body.id}`).set(owner.auth).expect(200);
    expect(mine.body.scenario).toBe('A quiet library.');
  });

  it('reads greetings and the lorebook, naming the entry', async () => {
    const greeting = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: 'Ada', alternate_greetings: ['Hi.', 'The little girl undresses for sex.'] });
    expectRefused(greeting, 'alternate_greetings[1]');
    const book = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({
        name: 'Ada',
        character_book: {
          name: 'Lore',
          entries: [
            { keys: ['garden'], content: 'A walled garden.' },
            { keys: ['secret'], content: 'She is twelve years old and loves porn.' },
          ],
        },
      });
    expectRefused(book, 'character_book.entries[1].content');
  });

  it('refuses such a card on import (as a JSON body), creating no draft', async () => {
    const before = await countOwned(owner);
    const res = await t.http
      .post('/api/characters/import')
      .set(owner.auth)
      .send({
        spec: 'chara_card_v2',
        spec_version: '2.0',
        data: {
          name: 'Imported',
          description: 'A friendly innkeeper.',
          personality: 'A 15-year-old who sends nudes and has sex with guests.',
          scenario: '',
          first_mes: 'Welcome!',
          mes_example: '',
        },
      });
    expectRefused(res, 'personality');
    expect(await countOwned(owner)).toBe(before);
  });

  it('refuses to fork a public character whose text is refused now', async () => {
    // Listed before the rules existed (or before a threshold was lowered): written directly.
    const [row] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO character (slug, owner_id, name, description, greeting, is_public, avatar_url)
       VALUES ('old-listing', $1, 'Old', 'A schoolgirl in a porn shoot.', 'Hi.', true, '/api/avatars/x.png')
       RETURNING id`,
      [owner.id],
    );
    const before = await countOwned(other);
    expectRefused(
      await t.http.post(`/api/characters/${row.id}/fork`).set(other.auth),
      'description',
    );
    expect(await countOwned(other)).toBe(before);
  });

  it('lets ordinary characters through on every route', async () => {
    const created = await t.http
      .post('/api/characters')
      .set(owner.auth)
      .send({
        name: 'Keeper',
        description:
          'An old lighthouse keeper who has watched the sea for forty years and tells stories to the children of the village.',
        greeting: 'Mind the stairs.',
      })
      .expect(201);
    await t.http
      .put(`/api/characters/${created.body.id}`)
      .set(owner.auth)
      .send({ scenario: 'A storm night; the kids are safe inside.' })
      .expect(200);
    await t.http
      .post('/api/characters/import')
      .set(owner.auth)
      .send({ name: 'Imported', description: 'A card.', first_mes: 'Hi.' })
      .expect(201);
  });

  it("holds a new account's refused character for review instead, when so configured; never minors_sexual", async () => {
    const admin = await createUser(t, { role: 'admin' });
    const set = (key: string, value: unknown) =>
      t.http.put(`/api/admin/settings/${key}`).set(admin.auth).send({ value }).expect(200);
    await set('moderation_refuse.hate', 80);
    try {
      const hateful = {
        name: 'Grunt',
        description: 'Shouts heil hitler at the gates.',
        greeting: 'Halt.',
      };
      expectRefused(
        await t.http.post('/api/characters').set(owner.auth).send(hateful),
        'description',
        'hate',
        'hateful content',
      );
      await set('moderation_new_account_review_days', 30);
      const held = await t.http.post('/api/characters').set(owner.auth).send(hateful).expect(201);
      await t.dataSource.query(
        `UPDATE character SET avatar_url = '/api/avatars/x.png' WHERE id = $1`,
        [held.body.id],
      );
      await rowCachesCaughtUp(t);
      const published = await t.http
        .put(`/api/characters/${held.body.id}`)
        .set(owner.auth)
        .send({ is_public: true })
        .expect(200);
      expect(published.body).toMatchObject({ is_public: false, moderation: { status: 'pending' } });
      // An account older than the setting's days is refused as before.
      await t.dataSource.query(
        `UPDATE app_user SET created_at = now() - interval '31 days' WHERE id = $1`,
        [other.id],
      );
      await rowCachesCaughtUp(t);
      expect((await t.http.post('/api/characters').set(other.auth).send(hateful)).status).toBe(422);
      expectRefused(
        await t.http
          .post('/api/characters')
          .set(owner.auth)
          .send({ name: 'Lily', description: 'A 14 year old schoolgirl who wants sex.' }),
        'description',
      );
    } finally {
      await set('moderation_new_account_review_days', 0);
      await set('moderation_refuse.hate', 0);
    }
  });

  it('counts checks and hits in the metrics', async () => {
    const metrics = (await t.http.get('/api/metrics').expect(200)).text;
    expect(metrics).toMatch(/moderation_checks_total\{stage="character",verdict="refuse"\} [1-9]/);
    expect(metrics).toMatch(
      /moderation_hits_total\{category="minors_sexual",stage="character",source="rules"\} [1-9]/,
    );
  });
});
