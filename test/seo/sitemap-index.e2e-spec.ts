import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { LONG_DESCRIPTION, parseXml, seedCharacter } from './seo-support.js';

const API = 'http://frontend.test/api/seo';
const CATALOGUE = 50_001;

describe('sitemap index beyond 50,000 URLs', () => {
  let t: TestApp;
  let ownerId: string;

  const locs = async (path: string): Promise<string[]> => {
    const res = await t.http.get(`/api/seo/${path}`).expect(200);
    // Streamed: sent in chunks, so no Content-Length is known up front.
    expect(res.headers['content-length']).toBeUndefined();
    const { urlset } = parseXml(res.text) as { urlset: { url?: Array<{ loc: string }> } };
    return (urlset.url ?? []).map((url) => url.loc);
  };

  beforeAll(async () => {
    t = await createTestApp();
    ownerId = (await createUser(t)).id;
    // Several characters share one created_at, so keyset pages must break ties by id. One
    // statement of 50,001 rows (their indexes and change triggers) can outlast the app pool's
    // 5 s statement timeout on a loaded CI machine: the seed is set-up, not a request.
    await t.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL statement_timeout = 0`);
      await manager.query(
        `INSERT INTO character (slug, owner_id, name, description, greeting, is_public,
                                avatar_url, structured_tags, created_at)
         SELECT 'bulk-' || n, $1, 'Bulk ' || n, $2, 'Hello.', true, '/api/avatars/bulk.png',
                ARRAY['fantasy'], timestamp '2025-01-01' + make_interval(secs => n / 3)
         FROM generate_series(1, $3) AS n`,
        [ownerId, LONG_DESCRIPTION, CATALOGUE],
      );
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('turns sitemap.xml into an index of the site pages and 50,000-character files', async () => {
    const res = await t.http.get('/api/seo/sitemap.xml').expect(200);
    const { sitemapindex } = parseXml(res.text) as {
      sitemapindex: { sitemap: Array<{ loc: string }> };
    };
    expect(sitemapindex.sitemap.map((entry) => entry.loc)).toEqual([
      `${API}/sitemap-1.xml`,
      `${API}/sitemap-2.xml`,
      `${API}/sitemap-3.xml`,
    ]);
    await t.http.get('/api/seo/sitemap.xml').set('If-None-Match', res.headers.etag).expect(304);
  });

  it('splits every gated character over the files exactly once, oldest first', async () => {
    const site = await locs('sitemap-1.xml');
    expect(site).toContain('http://frontend.test/tags/fantasy');
    expect(site.some((loc) => loc.includes('/c/'))).toBe(false);
    const second = await locs('sitemap-2.xml');
    const third = await locs('sitemap-3.xml');
    expect(second).toHaveLength(50_000);
    expect(third).toHaveLength(1);
    const all = new Set([...second, ...third]);
    expect(all.size).toBe(CATALOGUE);
    // Oldest first, ties broken by id: the same order the database gives.
    const order = await t.dataSource.query<Array<{ slug: string }>>(
      `SELECT slug FROM character ORDER BY created_at, id`,
    );
    expect([...second, ...third]).toEqual(order.map((row) => `http://frontend.test/c/${row.slug}`));
    await t.http.get('/api/seo/sitemap-4.xml').expect(404);
    await t.http.get('/api/seo/sitemap-0.xml').expect(404);
  }, 60_000);

  it('appends a new character to the last file, leaving the full one as it was', async () => {
    const full = await t.http.get('/api/seo/sitemap-2.xml').expect(200);
    const { slug } = await seedCharacter(t, ownerId);
    await t.http
      .get('/api/seo/sitemap-2.xml')
      .set('If-None-Match', full.headers.etag)
      .expect((res) => {
        // The checksum covers the whole catalogue, so the validator moves; the body does not.
        expect(res.status).toBe(200);
        expect(res.text).toBe(full.text);
      });
    const before = await locs('sitemap-3.xml');
    expect(before).toHaveLength(2);
    expect(before[1]).toBe(`http://frontend.test/c/${slug}`);
  }, 60_000);
});
