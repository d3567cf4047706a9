import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFor } from '../../src/seo/copy/copy.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { inner, jsonLdBlocks, meta, parseXml, seedCharacter, textOf } from './seo-support.js';

const FRONTEND = 'http://frontend.test';
const en = copyFor('en');
const brand = (text: string) => text.replaceAll('SweetSin', 'Taleforge');

describe('SEO in fiction mode under another brand', () => {
  let t: TestApp;
  let slug: string;

  const get = (path: string) => t.http.get(`/api/seo/${path}`);

  beforeAll(async () => {
    t = await createTestApp({ env: { SITE_MODE: 'fiction', SITE_NAME: 'Taleforge' } });
    const writer = await createUser(t);
    ({ slug } = await seedCharacter(t, writer.id, { structuredTags: ['fantasy'] }));
    for (let i = 0; i < 3; i++) {
      await seedCharacter(t, writer.id, { name: `Game Master ${i}`, tags: ['dnd'] });
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it('changes the home title, Open Graph, h1 and the JSON-LD descriptions', async () => {
    const page = (await get('home').expect(200)).text;
    const title = brand(en.home.fiction.title);
    expect(title).toBe('Taleforge — interactive fiction and tabletop adventures');
    expect(textOf(inner(page, 'title'))).toBe(title);
    expect(meta(page, 'og:title')).toBe(title);
    expect(meta(page, 'og:description')).toBe(brand(en.home.fiction.description));
    expect(meta(page, 'og:site_name')).toBe('Taleforge');
    expect(textOf(inner(page, 'h1'))).toBe(en.home.fiction.h1);
    const ld = Object.fromEntries(jsonLdBlocks(page).map((block) => [block['@type'], block]));
    expect(ld.Organization).toMatchObject({
      name: 'Taleforge',
      description: brand(en.organization.fiction),
    });
    expect(ld.WebSite.description).toBe(brand(en.website.fiction));
    expect(ld.SoftwareApplication.description).toBe(brand(en.software.fiction));
  });

  it('changes the RSS title and description', async () => {
    const { rss } = parseXml((await get('feed.xml').expect(200)).text) as {
      rss: { channel: { title: string; description: string } };
    };
    expect(rss.channel.title).toBe('Taleforge — new stories and characters');
    expect(rss.channel.description).toBe(brand(en.feed.fiction.description));
  });

  it('drops the NSFW disallow from robots.txt', async () => {
    const robots = (await get('robots.txt').expect(200)).text;
    expect(robots).not.toMatch(/nsfw/i);
    expect(robots.startsWith('# Taleforge\n')).toBe(true);
    expect(robots).toContain(`Sitemap: ${FRONTEND}/api/seo/sitemap.xml`);
  });

  it('adds the campaigns page to the sitemap and lists the DnD characters there', async () => {
    const { urlset } = parseXml((await get('sitemap.xml').expect(200)).text) as {
      urlset: { url: Array<{ loc: string }> };
    };
    expect(urlset.url.map((url) => url.loc)).toContain(`${FRONTEND}/campaigns`);
    const campaigns = (await get('campaigns').expect(200)).text;
    expect(meta(campaigns, 'robots')).toBe('index, follow');
    for (let i = 0; i < 3; i++) expect(campaigns).toContain(`Game Master ${i}`);
  });

  it('never shows the default brand, in any output or language', async () => {
    const paths = [
      'home',
      `c/${slug}`,
      'tags/fantasy',
      'campaigns',
      'faq',
      'about',
      'terms',
      'privacy',
      'robots.txt',
      'feed.xml',
      'sitemap.xml',
    ];
    for (const path of paths) {
      for (const lang of ['en', 'ru', 'it']) {
        const separator = path.includes('?') ? '&' : '?';
        const res = await get(path.endsWith('.txt') ? path : `${path}${separator}lang=${lang}`);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        expect(res.text).not.toContain('SweetSin');
        if (!path.endsWith('.txt') && !path.endsWith('.xml'))
          expect(res.text).toContain('Taleforge');
      }
    }
  });
});
