import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { defaultAvatarPng } from '../../src/characters/lib/png-card.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import { lockWaiters, replayLockRace } from '../support/locks.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

describe('characters', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let adult: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob, admin, adult] = await Promise.all([
      createUser(t),
      createUser(t),
      createUser(t, { role: 'admin' }),
      createUser(t, { adult: true }),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const create = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await t.http.post('/api/characters').set(user.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; slug: string } & Record<string, unknown>;
  };

  /** Gives a character an avatar and publishes it (the upload endpoint is tested elsewhere). */
  const publish = async (id: string) => {
    await t.dataSource.query(
      `UPDATE character SET avatar_url = '/api/avatars/test.png' WHERE id = $1`,
      [id],
    );
    await rowCachesCaughtUp(t);
    const res = await t.http.put(`/api/characters/${id}`).set(alice.auth).send({ is_public: true });
    if (res.status !== 200) {
      await t.http
        .put(`/api/characters/${id}`)
        .set(admin.auth)
        .send({ is_public: true })
        .expect(200);
    }
  };

  describe('CRUD and authorization', () => {
    it('creates a private draft with a transliterated slug and hides owner-only fields from others', async () => {
      const created = await create(alice, {
        name: 'Анна Каренина',
        description: 'A tragic heroine',
        tags: 'Drama, classic, drama',
        structured_tags: 'romance',
        character_book: { entries: [] },
      });
      expect(created).toMatchObject({
        name: 'Анна Каренина',
        is_public: false,
        tags: 'drama, classic',
        structured_tags: 'romance',
        is_owner: true,
        character_book: { entries: [] },
        vote_score: 0,
      });
      expect(created.slug).toMatch(/^anna-karenina-[0-9a-f]{8}$/);
      expect(created).not.toHaveProperty('real_chat_count');

      // Private: invisible to others, visible to its owner and admins.
      await t.http.get(`/api/characters/${created.id}`).set(bob.auth).expect(404);
      await t.http.get(`/api/characters/${created.slug}`).expect(404);
      await t.http.get(`/api/characters/${created.slug}`).set(alice.auth).expect(200);
      const asAdmin = await t.http.get(`/api/characters/${created.id}`).set(admin.auth).expect(200);
      expect(asAdmin.body).toMatchObject({ real_chat_count: 0, real_like_count: 0 });

      await publish(created.id);
      const asBob = await t.http.get(`/api/characters/${created.slug}`).set(bob.auth).expect(200);
      expect(asBob.body.is_owner).toBe(false);
      expect(asBob.body).not.toHaveProperty('character_book');
      expect(asBob.body).not.toHaveProperty('real_like_count');
    });

    it('lets only the owner or an admin edit and delete', async () => {
      const created = await create(alice, { name: 'Editable' });
      // Someone else's draft is hidden, as on every other route.
      const bobEdit = await t.http
        .put(`/api/characters/${created.id}`)
        .set(bob.auth)
        .send({ name: 'Hijacked' });
      expect(bobEdit.status).toBe(404);
      await t.http.delete(`/api/characters/${created.id}`).set(bob.auth).expect(404);
      await t.http.put(`/api/characters/${created.id}`).send({ name: 'Anonymous' }).expect(401);
      // Once public, it is there for all to see, but still only Alice's to change.
      await t.dataSource.query(
        `UPDATE character SET is_public = true, avatar_url = '/api/avatars/x.png' WHERE id = $1`,
        [created.id],
      );
      await rowCachesCaughtUp(t);
      const publicEdit = await t.http
        .put(`/api/characters/${created.id}`)
        .set(bob.auth)
        .send({ name: 'Hijacked' });
      expect(publicEdit.status).toBe(403);
      expect(publicEdit.body.message).toBe('Only the owner or an admin may change this character');
      await t.http.delete(`/api/characters/${created.id}`).set(bob.auth).expect(403);
      await t.dataSource.query(`UPDATE character SET is_public = false WHERE id = $1`, [
        created.id,
      ]);
      await rowCachesCaughtUp(t);

      const own = await t.http
        .put(`/api/characters/${created.id}`)
        .set(alice.auth)
        .send({ name: 'Edited', original_language: 'fr' })
        .expect(200);
      expect(own.body).toMatchObject({ name: 'Edited', original_language: 'fr' });
      const byAdmin = await t.http
        .put(`/api/characters/${created.id}`)
        .set(admin.auth)
        .send({ description: 'Moderated' })
        .expect(200);
      expect(byAdmin.body.description).toBe('Moderated');

      await t.http.delete(`/api/characters/${created.id}`).set(admin.auth).expect(204);
      await t.http.get(`/api/characters/${created.id}`).set(alice.auth).expect(404);
      const [{ deleted_at }] = await t.dataSource.query(
        `SELECT deleted_at FROM character WHERE id = $1`,
        [created.id],
      );
      expect(deleted_at).not.toBeNull();
    });

    it('refuses to publish without an avatar', async () => {
      const res = await t.http
        .post('/api/characters')
        .set(alice.auth)
        .send({ name: 'Faceless', is_public: true });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/avatar/);
      const draft = await create(alice, { name: 'Faceless' });
      const update = await t.http
        .put(`/api/characters/${draft.id}`)
        .set(alice.auth)
        .send({ is_public: true });
      expect(update.status).toBe(400);
      expect(update.body.message).toMatch(/avatar/);
    });

    it('keeps the search text true to both of two edits made at the same moment', async () => {
      const created = await create(alice, { name: 'Searchable', description: 'A quiet keeper.' });
      const holder = t.dataSource.createQueryRunner();
      await holder.startTransaction();
      try {
        // Another edit of the description, not committed yet when the rename reads the row.
        await holder.query(`UPDATE character SET description = 'A zebra tamer.' WHERE id = $1`, [
          created.id,
        ]);
        const rename = t.http
          .put(`/api/characters/${created.id}`)
          .set(alice.auth)
          .send({ name: 'Renamed' })
          .then((res) => res);
        await lockWaiters(t, 1);
        await holder.commitTransaction();
        expect((await rename).status).toBe(200);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
      const [row] = await t.dataSource.query(`SELECT search_text FROM character WHERE id = $1`, [
        created.id,
      ]);
      expect(row.search_text).toContain('renamed');
      expect(row.search_text).toContain('zebra');
    });

    it('schedules no translation of a private draft, created or edited', async () => {
      // Only public characters are translated (test/resilience/translation-spend.e2e-spec.ts).
      const created = await create(alice, { name: 'Polyglot', description: 'One' });
      const jobs = () =>
        t.dataSource.query(
          `SELECT status FROM job WHERE type = 'characters.translate' AND payload->>'characterId' = $1`,
          [created.id],
        );
      expect(await jobs()).toHaveLength(0);
      await t.http
        .put(`/api/characters/${created.id}`)
        .set(alice.auth)
        .send({ description: 'Two', max_tokens: 1024 })
        .expect(200);
      expect(await jobs()).toHaveLength(0);
    });

    it.each([
      [{ name: 'X', unknown_field: 1 }, 'property unknown_field should not exist'],
      [{ name: '' }, 'name must be longer than or equal to 1 characters'],
      [{ name: 'Bell\u0007' }, 'name must not contain control characters'],
      [{ name: 'X', structured_tags: 'romance,not-a-tag' }, 'Unknown structured tags: not-a-tag'],
      [{ name: 'X', max_tokens: 1e12 }, 'max_tokens must not be greater than 8192'],
      [{ name: 'X', max_tokens: '2048' }, 'max_tokens must be an integer number'],
      [
        { name: 'X', content_rating: 'spicy' },
        'content_rating must be one of the following values',
      ],
      [{ name: 'X', slug: '!!' }, 'slug'],
      [{ name: 'X'.repeat(101) }, 'name must be shorter than or equal to 100 characters'],
    ])('rejects %j with a 400 naming the problem', async (body, message) => {
      const res = await t.http.post('/api/characters').set(alice.auth).send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(message);
    });

    it('stores hostile strings inertly', async () => {
      const hostile = `<script>alert(1)</script>'; DROP TABLE character; --`;
      const created = await create(alice, { name: hostile, description: '../../etc/passwd' });
      const res = await t.http.get(`/api/characters/${created.id}`).set(alice.auth).expect(200);
      expect(res.body.name).toBe(hostile);
      expect(res.body.description).toBe('../../etc/passwd');
    });
  });

  describe('catalogue', () => {
    let captain: string;
    let nsfw: string;

    beforeAll(async () => {
      const c1 = await create(alice, {
        name: 'Captain Mira Vance',
        description: 'Commander of a smuggler starship',
        tags: 'space, pirate',
        structured_tags: 'sci-fi',
      });
      const c2 = await create(alice, {
        name: 'Brother Anselm',
        description: 'A quiet monastery scribe',
        tags: 'medieval',
      });
      const c3 = await create(alice, {
        name: 'Velvet',
        description: 'Night club owner',
        content_rating: 'nsfw',
      });
      for (const c of [c1, c2, c3]) await publish(c.id);
      captain = c1.id;
      nsfw = c3.id;
      await create(alice, { name: 'Hidden Draft', tags: 'space' });
    });

    const ids = (res: { body: { items: Array<{ id: string }> } }) =>
      res.body.items.map((item) => item.id);

    it('lists public SFW characters only, paginated with has_more', async () => {
      const res = await t.http.get('/api/characters?page_size=50').expect(200);
      expect(ids(res)).toContain(captain);
      expect(ids(res)).not.toContain(nsfw);
      expect(res.body.items.every((item: { is_public: boolean }) => item.is_public)).toBe(true);
      expect(res.body.items.map((item: { name: string }) => item.name)).not.toContain(
        'Hidden Draft',
      );

      const first = await t.http.get('/api/characters?page_size=1&sort=new').expect(200);
      const second = await t.http.get('/api/characters?page_size=1&page=2&sort=new').expect(200);
      expect(first.body).toMatchObject({ page: 1, page_size: 1, has_more: true });
      expect(ids(first)).not.toEqual(ids(second));
    });

    it('filters by tag, structured tag and language', async () => {
      expect(ids(await t.http.get('/api/characters?tag=pirate'))).toEqual([captain]);
      expect(ids(await t.http.get('/api/characters?structured_tag=sci-fi'))).toEqual([captain]);
      expect(ids(await t.http.get('/api/characters?tag=space&language=de'))).toEqual([]);
    });

    it('finds characters despite typos', async () => {
      expect(ids(await t.http.get('/api/characters?q=captian'))).toContain(captain);
      expect(ids(await t.http.get('/api/characters?q=smugler'))).toContain(captain);
      expect(
        ids(await t.http.get(`/api/characters?q=${encodeURIComponent("' OR 1=1 --")}`)),
      ).toEqual([]);
    });

    it('shows NSFW characters only to confirmed adults who ask for them', async () => {
      expect((await t.http.get('/api/characters?include_nsfw=true')).status).toBe(403);
      expect((await t.http.get('/api/characters?content_rating=nsfw').set(bob.auth)).status).toBe(
        403,
      );
      const forAdult = await t.http
        .get('/api/characters?include_nsfw=true&page_size=50')
        .set(adult.auth)
        .expect(200);
      expect(ids(forAdult)).toEqual(expect.arrayContaining([captain, nsfw]));
      const onlyNsfw = await t.http
        .get('/api/characters?content_rating=nsfw')
        .set(adult.auth)
        .expect(200);
      expect(ids(onlyNsfw)).toEqual([nsfw]);
      await t.http.get(`/api/characters/${nsfw}`).expect(404);
      await t.http.get(`/api/characters/${nsfw}`).set(bob.auth).expect(404);
      await t.http.get(`/api/characters/${nsfw}`).set(adult.auth).expect(200);
    });

    it('lets a user confirm being an adult to see NSFW characters', async () => {
      const grownUp = await createUser(t);
      await t.http.get(`/api/characters/${nsfw}`).set(grownUp.auth).expect(404);
      const confirmed = await t.http
        .post('/api/auth/me/confirm-adult')
        .set(grownUp.auth)
        .expect(200);
      expect(confirmed.body.adult_confirmed).toBe(true);
      await t.http.get(`/api/characters/${nsfw}`).set(grownUp.auth).expect(200);
      await t.http.post('/api/auth/me/confirm-adult').expect(401);
    });

    it('lists my own characters, private ones included', async () => {
      const mine = await t.http
        .get('/api/characters?mine=true&page_size=50')
        .set(alice.auth)
        .expect(200);
      expect(mine.body.items.map((item: { name: string }) => item.name)).toContain('Hidden Draft');
      await t.http.get('/api/characters?mine=true').expect(400);
    });

    it.each([
      'page=0',
      'page_size=51',
      'sort=random',
      'lang=xx',
      'page=abc',
      'structured_tag=%3Cb%3E',
    ])('rejects ?%s', async (query) => {
      const res = await t.http.get(`/api/characters?${query}`);
      expect(res.status).toBe(400);
    });
  });

  describe('votes, favorites, forks, relations, reports', () => {
    let target: { id: string; slug: string };

    beforeAll(async () => {
      target = await create(alice, { name: 'Popular One', tags: 'test' });
      await publish(target.id);
    });

    it('keeps vote_score equal to the sum of votes under 50 concurrent toggles', async () => {
      const voters = await Promise.all(Array.from({ length: 25 }, () => createUser(t)));
      const values = [1, -1, 0] as const;
      await Promise.all(
        voters.flatMap((voter, i) => [
          t.http
            .post(`/api/characters/${target.id}/vote`)
            .set(voter.auth)
            .send({ value: values[i % 3] }),
          t.http
            .post(`/api/characters/${target.id}/vote`)
            .set(voter.auth)
            .send({ value: values[(i + 1) % 3] }),
        ]),
      );
      const [{ score, sum }] = await t.dataSource.query(
        `SELECT c.vote_score AS score, COALESCE((SELECT SUM(value) FROM vote WHERE character_id = c.id), 0)::int AS sum
         FROM character c WHERE c.id = $1`,
        [target.id],
      );
      expect(score).toBe(sum);
      const res = await t.http
        .post(`/api/characters/${target.id}/vote`)
        .set(bob.auth)
        .send({ value: 1 })
        .expect(200);
      expect(res.body).toEqual({ vote_score: sum + 1, my_vote: 1 });
      const detail = await t.http.get(`/api/characters/${target.id}`).set(bob.auth).expect(200);
      expect(detail.body.my_vote).toBe(1);
      await t.http
        .post(`/api/characters/${target.id}/vote`)
        .set(bob.auth)
        .send({ value: 2 })
        .expect(400);
    });

    it('adds and removes favorites', async () => {
      await t.http
        .post(`/api/characters/${target.id}/favorite`)
        .set(bob.auth)
        .expect(200, { is_favorite: true });
      await t.http.post(`/api/characters/${target.id}/favorite`).set(bob.auth).expect(200);
      const favorites = await t.http.get('/api/me/favorites').set(bob.auth).expect(200);
      expect(favorites.body.items.map((item: { id: string }) => item.id)).toEqual([target.id]);
      const asAdmin = await t.http.get(`/api/characters/${target.id}`).set(admin.auth).expect(200);
      expect(asAdmin.body.real_like_count).toBe(1);
      await t.http
        .delete(`/api/characters/${target.id}/favorite`)
        .set(bob.auth)
        .expect(200, { is_favorite: false });
      expect((await t.http.get('/api/me/favorites').set(bob.auth)).body.items).toEqual([]);
      const after = await t.http.get(`/api/characters/${target.id}`).set(admin.auth).expect(200);
      expect(after.body.real_like_count).toBe(0);
      await t.http.get('/api/me/favorites').expect(401);
    });

    it('forks a public character into a private draft', async () => {
      const fork = await t.http
        .post(`/api/characters/${target.slug}/fork`)
        .set(bob.auth)
        .expect(201);
      expect(fork.body).toMatchObject({
        name: 'Popular One',
        is_public: false,
        is_owner: true,
        forked_from_id: target.id,
        vote_score: 0,
      });
      expect(fork.body.slug).not.toBe(target.slug);
      const original = await t.http.get(`/api/characters/${target.id}`).expect(200);
      expect(original.body.fork_count).toBe(1);
    });

    it('keeps the lorebook out of forks by others; the owner keeps it in their own fork', async () => {
      const book = { entries: [{ keys: ['vault'], content: 'The code is 4711' }] };
      const keeper = await create(alice, { name: 'Keeper', character_book: book });
      await publish(keeper.id);
      const byBob = await t.http
        .post(`/api/characters/${keeper.id}/fork`)
        .set(bob.auth)
        .expect(201);
      expect(byBob.body.character_book).toBeNull();
      const [row] = await t.dataSource.query(`SELECT character_book FROM character WHERE id = $1`, [
        byBob.body.id,
      ]);
      expect(row.character_book).toBeNull();
      const byAlice = await t.http
        .post(`/api/characters/${keeper.id}/fork`)
        .set(alice.auth)
        .expect(201);
      // As stored: with the fields the card specs require filled in.
      expect(byAlice.body.character_book).toMatchObject(book);
    });

    it('counts a user toward trending once per kind of engagement, however often they toggle', async () => {
      const hot = await create(alice, { name: 'Hot One' });
      await publish(hot.id);
      const trending = async () =>
        (
          await t.dataSource.query(
            `SELECT trending_score, fork_count, real_like_count, vote_score FROM character WHERE id = $1`,
            [hot.id],
          )
        )[0];
      const fan = await createUser(t);
      const url = `/api/characters/${hot.id}`;
      for (let i = 0; i < 3; i++) {
        await t.http.post(`${url}/favorite`).set(fan.auth).expect(200);
        await t.http.delete(`${url}/favorite`).set(fan.auth).expect(200);
      }
      await t.http.post(`${url}/favorite`).set(fan.auth).expect(200);
      expect(await trending()).toMatchObject({ trending_score: 2, real_like_count: 1 });

      for (const value of [1, 0, 1, -1, 0, 1]) {
        await t.http.post(`${url}/vote`).set(fan.auth).send({ value }).expect(200);
      }
      expect(await trending()).toMatchObject({ trending_score: 3, vote_score: 1 });

      await t.http.post(`${url}/fork`).set(fan.auth).expect(201);
      await t.http.post(`${url}/fork`).set(fan.auth).expect(201);
      // Both forks count as forks; trending moved once.
      expect(await trending()).toMatchObject({ trending_score: 6, fork_count: 2 });

      // Chats count once per person: a user's first with the character counts and moves
      // trending, more of them do neither; a guest session's first (sessions are free to
      // mint) only counts.
      const chatCount = async () =>
        (
          await t.dataSource.query(`SELECT real_chat_count FROM character WHERE id = $1`, [hot.id])
        )[0].real_chat_count;
      for (let i = 0; i < 3; i++) {
        await t.http
          .post('/api/chats')
          .set(fan.auth)
          .send({ character_id: hot.id, force_new: true })
          .expect(201);
      }
      await t.http
        .post('/api/chats')
        .set('X-Anon-Session', randomUUID())
        .send({ character_id: hot.id })
        .expect(201);
      expect(await trending()).toMatchObject({ trending_score: 7 });
      expect(await chatCount()).toBe(2);

      // Another user's engagement counts again.
      await t.http.post(`${url}/favorite`).set(bob.auth).expect(200);
      expect((await trending()).trending_score).toBe(9);
    });

    it('drops a favorite from the list of a minor once its owner makes it NSFW', async () => {
      const turning = await create(alice, { name: 'Turning' });
      await publish(turning.id);
      const minor = await createUser(t);
      for (const user of [minor, adult, alice]) {
        await t.http.post(`/api/characters/${turning.id}/favorite`).set(user.auth).expect(200);
      }
      const listed = async (user: TestUser) =>
        (await t.http.get('/api/me/favorites').set(user.auth).expect(200)).body.items.map(
          (item: { id: string }) => item.id,
        );
      expect(await listed(minor)).toEqual([turning.id]);

      await t.http
        .put(`/api/characters/${turning.id}`)
        .set(alice.auth)
        .send({ content_rating: 'nsfw' })
        .expect(200);

      await t.http.get(`/api/characters/${turning.id}`).set(minor.auth).expect(404);
      expect(await listed(minor)).toEqual([]);
      expect(await listed(adult)).toContain(turning.id);
      expect(await listed(alice)).toContain(turning.id);
    });

    it('lists relations with labels in the requested language', async () => {
      const other = await create(alice, { name: 'Rival One' });
      await publish(other.id);
      await t.dataSource.query(
        `INSERT INTO character_relation (character_id, related_id, relation_type, label_en, label_de)
         VALUES ($1, $2, 'rival', 'Old rival', 'Alter Rivale')`,
        [target.id, other.id],
      );
      const res = await t.http.get(`/api/characters/${target.id}/relations?lang=de`).expect(200);
      expect(res.body).toEqual([
        expect.objectContaining({
          relation_type: 'rival',
          label: 'Alter Rivale',
          character: expect.objectContaining({ id: other.id }),
        }),
      ]);
    });

    it('accepts 5 reports per hour per user, then answers 429', async () => {
      const reporter = await createUser(t);
      for (let i = 0; i < 5; i++) {
        const res = await t.http
          .post(`/api/characters/${target.id}/report`)
          .set(reporter.auth)
          .send({ reason: 'spam', details: `report ${i}` });
        expect(res.status).toBe(201);
        expect(res.body.status).toBe('pending');
      }
      const sixth = await t.http
        .post(`/api/characters/${target.id}/report`)
        .set(reporter.auth)
        .send({ reason: 'spam' });
      expect(sixth.status).toBe(429);
      expect(sixth.headers['retry-after']).toBeDefined();
      const bad = await t.http
        .post(`/api/characters/${target.id}/report`)
        .set(bob.auth)
        .send({ reason: 'boring' });
      expect(bad.status).toBe(400);
    });
  });

  describe('avatars', () => {
    // Uploads are decoded and re-encoded, so they must be real images; what is served is the
    // re-encoded file (card-files-abuse.e2e-spec.ts checks what it keeps).
    const png = defaultAvatarPng();
    const isPng = (data: Buffer) => data.subarray(0, 4).toString('latin1') === '\x89PNG';

    it('stores an uploaded image under a server-made name, serves it, and allows publishing', async () => {
      const draft = await create(alice, { name: 'Portrait' });
      const res = await t.http
        .post(`/api/characters/${draft.id}/avatar`)
        .set(alice.auth)
        .attach('file', png, { filename: '../../evil.exe', contentType: 'text/plain' })
        .expect(200);
      expect(res.body.avatar_url).toMatch(/^\/api\/avatars\/[0-9a-f-]{36}\.png$/);
      const served = await t.http.get(res.body.avatar_url).expect(200);
      expect(served.headers['cache-control']).toContain('max-age=31536000');
      expect(isPng(served.body as Buffer)).toBe(true);
      await t.http
        .put(`/api/characters/${draft.id}`)
        .set(alice.auth)
        .send({ is_public: true })
        .expect(200);

      // Replacing it removes the old file.
      const second = await t.http
        .post(`/api/characters/${draft.id}/avatar`)
        .set(alice.auth)
        .attach('file', await sharp(png).jpeg().toBuffer(), 'a.jpg')
        .expect(200);
      expect(second.body.avatar_url).toMatch(/\.jpg$/);
      await t.http.get(res.body.avatar_url).expect(404);
    });

    it('gives a fork made while the original changes its avatar the new one', async () => {
      const original = await create(alice, { name: 'Changing Face' });
      const uploadAvatar = (image: Buffer) =>
        t.http
          .post(`/api/characters/${original.id}/avatar`)
          .set(alice.auth)
          .attach('file', image, 'a.png');
      const old = (await uploadAvatar(png).expect(200)).body.avatar_url as string;
      await t.http
        .put(`/api/characters/${original.id}`)
        .set(alice.auth)
        .send({ is_public: true })
        .expect(200);
      const newPng = await sharp(png).negate().png().toBuffer();
      const outcome = await replayLockRace(t, {
        hold: ['SELECT 1 FROM character WHERE id = $1 FOR NO KEY UPDATE', [original.id]],
        first: async () => (await uploadAvatar(newPng)).body as { avatar_url: string },
        second: async () =>
          (await t.http.post(`/api/characters/${original.id}/fork`).set(bob.auth)).body as {
            avatar_url: string;
          },
      });
      expect(outcome.first.status).toBe('fulfilled');
      expect(outcome.second.status).toBe('fulfilled');
      const replaced = (outcome.first as PromiseFulfilledResult<{ avatar_url: string }>).value;
      const fork = (outcome.second as PromiseFulfilledResult<{ avatar_url: string }>).value;
      expect(replaced.avatar_url).not.toBe(old);
      expect(fork.avatar_url).toBe(replaced.avatar_url);
      await t.http.get(fork.avatar_url).expect(200);
      await t.http.get(old).expect(404);
    });

    it('keeps an avatar file while a fork or the original still shows it', async () => {
      const carol = await createUser(t);
      const upload = async (user: TestUser, id: string, image: Buffer = png) =>
        (
          await t.http
            .post(`/api/characters/${id}/avatar`)
            .set(user.auth)
            .attach('file', image, 'a.png')
            .expect(200)
        ).body.avatar_url as string;
      const served = async (url: string) => {
        const res = await t.http.get(url).expect(200);
        expect(isPng(res.body as Buffer)).toBe(true);
      };
      const original = await create(alice, { name: 'Shared Face' });
      const shared = await upload(alice, original.id);
      await t.http
        .put(`/api/characters/${original.id}`)
        .set(alice.auth)
        .send({ is_public: true })
        .expect(200);
      const bobsFork = (
        await t.http.post(`/api/characters/${original.id}/fork`).set(bob.auth).expect(201)
      ).body;
      expect(bobsFork.avatar_url).toBe(shared);

      // Bob replaces his fork's avatar: Alice's character still shows the shared file.
      await upload(bob, bobsFork.id);
      await served(shared);
      const page = await t.http.get(`/api/characters/${original.slug}`).expect(200);
      expect(page.body.avatar_url).toBe(shared);

      // Carol forks too, then Alice replaces hers: Carol's fork still shows it.
      const carolsFork = (
        await t.http.post(`/api/characters/${original.id}/fork`).set(carol.auth).expect(201)
      ).body;
      await upload(alice, original.id);
      await served(shared);

      // Once nothing shows it any more, it is deleted.
      await upload(carol, carolsFork.id);
      await t.http.get(shared).expect(404);
    });

    it('rejects non-images, oversized files, missing files and strangers', async () => {
      const draft = await create(alice, { name: 'Portrait 2' });
      const url = `/api/characters/${draft.id}/avatar`;
      const text = await t.http
        .post(url)
        .set(alice.auth)
        .attach('file', Buffer.from('<svg onload=alert(1)>'), 'x.png');
      expect(text.status).toBe(400);
      expect(text.body.message).toMatch(/PNG, JPEG or WebP/);
      const huge = await t.http
        .post(url)
        .set(alice.auth)
        .attach('file', Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024)]), 'big.png');
      expect(huge.status).toBe(413);
      const none = await t.http.post(url).set(alice.auth).send({});
      expect(none.status).toBe(400);
      await t.http.post(url).set(bob.auth).attach('file', png, 'x.png').expect(404);
      await t.http.get('/api/avatars/..%2F..%2Fetc%2Fpasswd').expect(404);
      await t.http.get('/api/avatars/00000000-0000-0000-0000-000000000000.png').expect(404);
    });
  });

  describe('characters per account', () => {
    /** `count` private drafts of `user`'s, written straight to the table. */
    const seedDrafts = (user: TestUser, count: number, deleted = false) =>
      t.dataSource.query(
        `INSERT INTO character (slug, owner_id, name, deleted_at)
         SELECT 'seed-' || left($1::text, 8) || '-' || $3::boolean || '-' || n, $1::uuid, 'Seed ' || n,
                CASE WHEN $3::boolean THEN now() END
         FROM generate_series(1, $2::int) AS n`,
        [user.id, count, deleted],
      );

    it('keeps a free account to 100 characters (deleted ones not counted), also when they race', async () => {
      const dana = await createUser(t);
      await seedDrafts(dana, 98);
      await seedDrafts(dana, 5, true);
      const draft = (name: string) => t.http.post('/api/characters').set(dana.auth).send({ name });
      const raced = await Promise.all(['One', 'Two', 'Three'].map(draft));
      expect(raced.map((res) => res.status).sort()).toEqual([201, 201, 409]);
      const refused = raced.find((res) => res.status === 409)!;
      expect(refused.body.message).toBe(
        'You can keep at most 100 characters on the free tier: delete one first',
      );
      // A fork is a new character too.
      const source = await create(alice, { name: 'Forkable' });
      await publish(source.id);
      await t.http.post(`/api/characters/${source.id}/fork`).set(dana.auth).expect(409);
      // Deleting one makes room for one.
      const created = raced.find((res) => res.status === 201)!;
      await t.http.delete(`/api/characters/${created.body.id}`).set(dana.auth).expect(204);
      await t.http.post(`/api/characters/${source.id}/fork`).set(dana.auth).expect(201);
      await draft('Four').expect(409);
    });

    it('lets premium accounts keep 1,000 and admins any number', async () => {
      const [erin, root] = [await createUser(t, { tier: 'premium' }), admin];
      await seedDrafts(erin, 100);
      await t.http
        .post('/api/characters')
        .set(erin.auth)
        .send({ name: 'Past a hundred' })
        .expect(201);
      await seedDrafts(root, 1000);
      await t.http.post('/api/characters').set(root.auth).send({ name: 'Any number' }).expect(201);
    });
  });

  describe('personas', () => {
    it('keeps one default and enforces max_personas, also under concurrency', async () => {
      await t.app.get(SettingsService).set('max_personas', 3);
      const carol = await createUser(t);
      const first = await t.http
        .post('/api/personas')
        .set(carol.auth)
        .send({ name: 'Knight' })
        .expect(201);
      expect(first.body.is_default).toBe(true);
      const second = await t.http
        .post('/api/personas')
        .set(carol.auth)
        .send({ name: 'Bard', description: 'Sings', is_default: true })
        .expect(201);
      expect(second.body.is_default).toBe(true);
      const list = await t.http.get('/api/personas').set(carol.auth).expect(200);
      expect(
        list.body.map((p: { name: string; is_default: boolean }) => [p.name, p.is_default]),
      ).toEqual([
        ['Bard', true],
        ['Knight', false],
      ]);

      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          t.http
            .post('/api/personas')
            .set(carol.auth)
            .send({ name: `Extra ${i}` }),
        ),
      );
      expect(results.filter((res) => res.status === 201)).toHaveLength(1);
      expect(results.filter((res) => res.status === 409)).toHaveLength(4);
      expect((await t.http.get('/api/personas').set(carol.auth)).body).toHaveLength(3);

      await t.http
        .put(`/api/personas/${first.body.id}`)
        .set(carol.auth)
        .send({ is_default: true })
        .expect(200);
      const after = await t.http.get('/api/personas').set(carol.auth).expect(200);
      expect(
        after.body
          .filter((p: { is_default: boolean }) => p.is_default)
          .map((p: { id: string }) => p.id),
      ).toEqual([first.body.id]);
      await t.http.get(`/api/personas/${first.body.id}`).set(bob.auth).expect(404);
      await t.http.delete(`/api/personas/${second.body.id}`).set(carol.auth).expect(204);
      await t.app.get(SettingsService).set('max_personas', 10);
    });

    it('makes the oldest remaining persona the default when the default is deleted', async () => {
      const dave = await createUser(t);
      const made = [];
      for (const name of ['First', 'Second', 'Third']) {
        made.push(
          (await t.http.post('/api/personas').set(dave.auth).send({ name }).expect(201)).body,
        );
      }
      await t.http
        .put(`/api/personas/${made[2].id}`)
        .set(dave.auth)
        .send({ is_default: true })
        .expect(200);
      const defaults = async () =>
        (await t.http.get('/api/personas').set(dave.auth).expect(200)).body
          .filter((p: { is_default: boolean }) => p.is_default)
          .map((p: { name: string }) => p.name);

      await t.http.delete(`/api/personas/${made[2].id}`).set(dave.auth).expect(204);
      expect(await defaults()).toEqual(['First']);
      // Deleting one that is not the default leaves the default alone.
      await t.http.delete(`/api/personas/${made[1].id}`).set(dave.auth).expect(204);
      expect(await defaults()).toEqual(['First']);
      await t.http.delete(`/api/personas/${made[0].id}`).set(dave.auth).expect(204);
      expect(await defaults()).toEqual([]);
    });
  });

  it('serves the structured tag registry', async () => {
    const res = await t.http.get('/api/tags').expect(200);
    expect(res.body.tags).toHaveLength(33);
    expect(res.body.categories).toHaveLength(5);
    expect(res.body.tags[0].labels).toHaveProperty('ru');
  });

  it('logged nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
