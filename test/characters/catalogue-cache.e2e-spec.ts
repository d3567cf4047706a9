/**
 * The anonymous catalogue cache (src/characters/catalogue-cache.service.ts) on two instances
 * sharing one database: anonymous lists, searches and SEO pages come from memory, counters
 * lag at most the TTL, anything else a listed character undergoes (hidden, edited, deleted, by
 * the API on either instance or by SQL) shows on both at once, and signed-in views never touch
 * the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { CatalogueCache } from '../../src/characters/catalogue-cache.service.js';
import { eventually } from '../chat/chat-support.js';
import { createTestDatabase, dropTestDatabase } from '../support/database.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { seedCharacter } from '../seo/seo-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

/** Long enough that only a notification, never expiry, explains a change seen within a test. */
const LONG_TTL_MS = 60_000;
/** The instance whose TTL the counters test waits out. */
const SHORT_TTL_MS = 600;
/** How soon another instance must show a change: a notification takes a few ms. */
const PROPAGATION_MS = 1_000;

const LIST = '/api/characters?page_size=50';
const names = (res: Response): string[] =>
  (res.body.items as Array<{ name: string }>).map((item) => item.name);
const itemOf = (res: Response, id: string) =>
  (res.body.items as Array<{ id: string; chat_count: number; vote_score: number }>).find(
    (item) => item.id === id,
  );

/** Resolves when `t` next drops its cache (it heard a change), so no later read races it. */
function nextInvalidation(t: TestApp): Promise<void> {
  const cache = t.app.get(CatalogueCache);
  const invalidate = cache.invalidate.bind(cache);
  return new Promise((resolve) => {
    cache.invalidate = () => {
      invalidate();
      cache.invalidate = invalidate;
      resolve();
    };
  });
}

describe('anonymous catalogue cache across two instances', () => {
  let database: { name: string; url: string };
  let a: TestApp;
  let b: TestApp;
  let quick: TestApp;
  let owner: TestUser;
  let voter: TestUser;

  beforeAll(async () => {
    database = await createTestDatabase();
    const long = { CATALOGUE_CACHE_TTL_MS: String(LONG_TTL_MS), RATE_LIMIT_SCALE: '0' };
    [a, b, quick] = await Promise.all([
      createTestApp({ env: long, databaseUrl: database.url }),
      createTestApp({ env: long, databaseUrl: database.url }),
      createTestApp({
        env: { CATALOGUE_CACHE_TTL_MS: String(SHORT_TTL_MS) },
        databaseUrl: database.url,
      }),
    ]);
    [owner, voter] = await Promise.all([createUser(a), createUser(a)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), quick?.close()]);
    if (database) await dropTestDatabase(database.name);
  });

  it('serves anonymous pages from memory with an ETag, counters lagging; signed-in users read the database', async () => {
    const heard = nextInvalidation(a);
    const { id } = await seedCharacter(a, owner.id, { name: 'Counted Keeper', realChatCount: 3 });
    await heard;
    const first = await a.http.get(LIST).expect(200);
    expect(itemOf(first, id)?.chat_count).toBe(3);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"/);
    await a.http.get(LIST).set('If-None-Match', etag).expect(304);

    // A counter changes (chats started, as the chat module counts them): no notification.
    await a.dataSource.query(`UPDATE character SET real_chat_count = 10 WHERE id = $1`, [id]);
    await rowCachesCaughtUp(a);
    const cached = await a.http.get(LIST).expect(200);
    expect(itemOf(cached, id)?.chat_count).toBe(3);
    expect(cached.headers.etag).toBe(etag);
    // A signed-in caller's list is built for them, from the database.
    const signedIn = await a.http.get(LIST).set(voter.auth).expect(200);
    expect(itemOf(signedIn, id)?.chat_count).toBe(10);
  });

  it('never answers a signed-in view to anyone else, nor an anonymous one to a signed-in user', async () => {
    const adult = await createUser(a, { adult: true });
    const { id: adultOnly } = await seedCharacter(a, owner.id, {
      name: 'After Dark',
      contentRating: 'nsfw',
    });
    const { id: draft } = await seedCharacter(a, owner.id, {
      name: 'Owner Draft',
      isPublic: false,
    });
    const nsfw = '/api/characters?include_nsfw=true&page_size=50';
    const mine = '/api/characters?mine=true&page_size=50';

    const forAdult = await a.http.get(nsfw).set(adult.auth).expect(200);
    expect(itemOf(forAdult, adultOnly)).toBeDefined();
    const forOwner = await a.http.get(mine).set(owner.auth).expect(200);
    expect(itemOf(forOwner, draft)).toBeDefined();
    // The same URLs anonymously: refused, as without any cache.
    await a.http.get(nsfw).expect(403);
    await a.http.get(mine).expect(400);

    // The anonymous list, cached now, shows neither; the owner's and the adult's views still do.
    expect(itemOf(await a.http.get(LIST).expect(200), draft)).toBeUndefined();
    expect(itemOf(await a.http.get(LIST).expect(200), adultOnly)).toBeUndefined();
    expect(itemOf(await a.http.get(mine).set(owner.auth).expect(200), draft)).toBeDefined();
    expect(itemOf(await a.http.get(nsfw).set(adult.auth).expect(200), adultOnly)).toBeDefined();
  });

  it('hides an unpublished character at once on the instance that wrote, and on the other within a notification', async () => {
    const character = await a.http
      .post('/api/characters')
      .set(owner.auth)
      .send({ name: 'Fleeting Keeper', description: 'Here, then gone.' })
      .expect(201);
    const { id } = character.body as { id: string };
    await a.dataSource.query(
      `UPDATE character SET is_public = true, avatar_url = '/api/avatars/x.png' WHERE id = $1`,
      [id],
    );
    await rowCachesCaughtUp(a);
    const search = '/api/characters?q=fleeting';
    // Both instances see it (the publish came through SQL: only the notification told them).
    for (const t of [a, b]) {
      await eventually(async () => names(await t.http.get(LIST)).includes('Fleeting Keeper'));
      await eventually(async () => names(await t.http.get(search)).includes('Fleeting Keeper'));
    }

    await a.http
      .put(`/api/characters/${id}`)
      .set(owner.auth)
      .send({ is_public: false })
      .expect(200);
    // The writing instance: at once, no waiting.
    expect(names(await a.http.get(LIST).expect(200))).not.toContain('Fleeting Keeper');
    expect(names(await a.http.get(search).expect(200))).not.toContain('Fleeting Keeper');
    // The other: as soon as the notification arrives.
    const started = Date.now();
    await eventually(
      async () => !names(await b.http.get(LIST)).includes('Fleeting Keeper'),
      PROPAGATION_MS,
    );
    await eventually(
      async () => !names(await b.http.get(search)).includes('Fleeting Keeper'),
      PROPAGATION_MS,
    );
    expect(Date.now() - started).toBeLessThan(PROPAGATION_MS);
  });

  it('shows an edit, a deletion and a takedown made anywhere on both instances', async () => {
    const { id, slug } = await seedCharacter(a, owner.id, { name: 'Edited Keeper' });
    const page = `/api/seo/c/${slug}`;
    for (const t of [a, b]) {
      await eventually(async () => names(await t.http.get(LIST)).includes('Edited Keeper'));
      await t.http.get(page).expect(200);
    }

    // An edit through the API of instance b.
    await b.http
      .put(`/api/characters/${id}`)
      .set(owner.auth)
      .send({ name: 'Renamed Keeper' })
      .expect(200);
    for (const t of [a, b]) {
      await eventually(
        async () => names(await t.http.get(LIST)).includes('Renamed Keeper'),
        PROPAGATION_MS,
      );
      await eventually(
        async () => (await t.http.get(page)).text.includes('Renamed Keeper'),
        PROPAGATION_MS,
      );
    }

    // A takedown written by another module's SQL (reports, moderation): the trigger tells both.
    await a.dataSource.query(
      `UPDATE character SET is_public = false, taken_down_at = now() WHERE id = $1`,
      [id],
    );
    await rowCachesCaughtUp(a);
    for (const t of [a, b]) {
      await eventually(
        async () => !names(await t.http.get(LIST)).includes('Renamed Keeper'),
        PROPAGATION_MS,
      );
      await eventually(async () => (await t.http.get(page)).status === 404, PROPAGATION_MS);
    }

    const { id: deleted, slug: deletedSlug } = await seedCharacter(a, owner.id, {
      name: 'Deleted Keeper',
    });
    await b.http.get(`/api/seo/c/${deletedSlug}`).expect(200);
    await a.http.delete(`/api/characters/${deleted}`).set(owner.auth).expect(204);
    await a.http.get(`/api/seo/c/${deletedSlug}`).expect(404);
    await eventually(
      async () => (await b.http.get(`/api/seo/c/${deletedSlug}`)).status === 404,
      PROPAGATION_MS,
    );
  });

  it('shows a vote within the TTL', async () => {
    const heard = nextInvalidation(quick);
    const { id } = await seedCharacter(quick, owner.id, { name: 'Voted Keeper' });
    await heard;
    expect(itemOf(await quick.http.get(LIST), id)?.vote_score).toBe(0);
    await quick.http.post(`/api/characters/${id}/vote`).set(voter.auth).send({ value: 1 });
    const voted = Date.now();
    await eventually(async () => itemOf(await quick.http.get(LIST), id)?.vote_score === 1);
    expect(Date.now() - voted).toBeLessThan(SHORT_TTL_MS + 500);
  });
});
