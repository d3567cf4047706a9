import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UsersService } from '../../src/auth/users.service.js';
import { CatalogueCache } from '../../src/characters/catalogue-cache.service.js';
import { MIN_DESCRIPTION_LENGTH } from '../../src/characters/public-catalogue.repository.js';
import { PublicCatalogueService } from '../../src/characters/public-catalogue.service.js';
import { copyFor, fill } from '../../src/seo/copy/copy.js';
import { orderSections, pageVariant } from '../../src/seo/lib/variants.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  type CharacterSeed,
  hreflangs,
  inner,
  jsonLdBlocks,
  linkHref,
  LONG_DESCRIPTION,
  meta,
  parseXml,
  seedCharacter,
  type SeededCharacter,
  textOf,
} from './seo-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const FRONTEND = 'http://frontend.test';
const en = copyFor('en');

/** Characters that must never show up anywhere in SEO output, each with a unique name. */
const HIDDEN: Record<string, CharacterSeed> = {
  private: { name: 'Private Pia', isPublic: false },
  deleted: { name: 'Deleted Dora', deleted: true },
  avatarless: { name: 'Faceless Fay', avatarUrl: '' },
  thin: { name: 'Thin Tim', description: 'x'.repeat(MIN_DESCRIPTION_LENGTH - 1) },
  silent: { name: 'Silent Sam', greeting: '   ' },
  nsfw: { name: 'Nsfw Nora', contentRating: 'nsfw' },
};

const XSS_NAME = `<script>alert(1)</script> "Quoted" & 'single'`;
const XSS_DESCRIPTION = `She says "hi" & 'bye' </script><script>alert(2)</script> <img src=x onerror=alert(3)> and keeps talking long enough to pass the gate.`;

describe('SEO pages (default mode)', () => {
  let t: TestApp;
  let writer: TestUser;
  let platformCharacter: SeededCharacter;
  let xss: SeededCharacter;
  const hidden: Record<string, SeededCharacter> = {};

  const get = (path: string) => t.http.get(`/api/seo/${path}`);

  beforeAll(async () => {
    t = await createTestApp();
    writer = await createUser(t);
    await t.dataSource.query(`UPDATE app_user SET display_name = 'Anna Writer' WHERE id = $1`, [
      writer.id,
    ]);
    await rowCachesCaughtUp(t);
    const platform = await t.app
      .get(UsersService)
      .ensureSystemUser('platform@system.local', 'Platform');
    await seedCharacter(t, writer.id, {
      slug: 'mira-keeper',
      name: 'Mira the Keeper',
      structuredTags: ['fantasy', 'mystery'],
      tags: ['sea'],
      personality: 'Gruff, patient, allergic to small talk.',
      scenario: 'A storm has cut {{char}} off from the mainland.',
      appearance: 'Salt-grey coat, a brass lantern.',
      highlights: [
        { text: 'Trades stories for news', lang: 'en' },
        { text: 'Меняет истории на новости', lang: 'ru' },
      ],
      translations: {
        ru: {
          name: 'Мира, смотритель маяка',
          description:
            'Смотритель маяка на острове, где всегда штормит; меняет истории на новости с материка.',
          greeting: '*Лампа качается.* Ты пережил шторм, {{user}}.',
        },
      },
      realChatCount: 7,
      realLikeCount: 3,
      baseChatCount: { en: 500, ru: 900 },
      baseLikeCount: { en: 40 },
    });
    await seedCharacter(t, writer.id, { name: 'Orin Vale', structuredTags: ['fantasy'] });
    await seedCharacter(t, writer.id, { name: 'Lysa Thorn', structuredTags: ['fantasy'] });
    await seedCharacter(t, writer.id, { name: 'Lonely Horror', structuredTags: ['horror'] });
    const dungeonMasters: CharacterSeed[] = [
      { tags: ['dnd'] },
      { tags: ['dungeon'] },
      { structuredTags: ['dnd'] },
      { tags: ['dnd'], structuredTags: ['dnd'] },
    ];
    for (const [i, seed] of dungeonMasters.entries()) {
      await seedCharacter(t, writer.id, { name: `Dungeon Master ${i}`, ...seed });
    }
    platformCharacter = await seedCharacter(t, platform.id, { name: 'House Character' });
    xss = await seedCharacter(t, writer.id, {
      name: XSS_NAME,
      description: XSS_DESCRIPTION,
      greeting: 'Hello </script><script>alert(4)</script>',
      tags: ['<b>bold</b>'],
      structuredTags: ['fantasy'],
    });
    for (const [key, seed] of Object.entries(HIDDEN)) {
      hidden[key] = await seedCharacter(t, writer.id, { structuredTags: ['fantasy'], ...seed });
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Every JSON-LD block of a page parses; returns them by @type. */
  const ldByType = (page: string) =>
    Object.fromEntries(jsonLdBlocks(page).map((block) => [block['@type'] as string, block]));

  describe('character page', () => {
    it('has title, description, canonical, alternates, Open Graph, Twitter and JSON-LD', async () => {
      const res = await get('c/mira-keeper').expect(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      const page = res.text;
      expect(textOf(inner(page, 'title'))).toBe('Mira the Keeper — AI character chat | SweetSin');
      expect(meta(page, 'description')).toBe(LONG_DESCRIPTION);
      expect(meta(page, 'robots')).toBe('index, follow');
      expect(linkHref(page, 'canonical')).toBe(`${FRONTEND}/c/mira-keeper`);
      // Only the languages it exists in, plus x-default.
      expect(hreflangs(page)).toEqual({
        ru: `${FRONTEND}/c/mira-keeper?lang=ru`,
        en: `${FRONTEND}/c/mira-keeper`,
        'x-default': `${FRONTEND}/c/mira-keeper`,
      });
      expect(meta(page, 'og:title')).toBe('Mira the Keeper — AI character chat | SweetSin');
      expect(meta(page, 'og:url')).toBe(`${FRONTEND}/c/mira-keeper`);
      expect(meta(page, 'og:image')).toBe(`${FRONTEND}/api/avatars/seed.png`);
      expect(meta(page, 'og:locale')).toBe('en_US');
      expect(meta(page, 'og:locale:alternate')).toBe('ru_RU');
      expect(meta(page, 'twitter:card')).toBe('summary_large_image');
      expect(page).toContain('<html lang="en">');

      const ld = ldByType(page);
      expect(ld.CreativeWork).toMatchObject({
        name: 'Mira the Keeper',
        url: `${FRONTEND}/c/mira-keeper`,
        inLanguage: 'en',
        isPartOf: { '@type': 'WebSite', name: 'SweetSin', url: `${FRONTEND}/` },
        author: { '@type': 'Person', name: 'Anna Writer' },
        genre: ['Fantasy', 'Mystery'],
      });
      for (const key of ['dateCreated', 'datePublished', 'dateModified']) {
        expect(ld.CreativeWork[key]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      expect(ld.BreadcrumbList.itemListElement).toEqual([
        { '@type': 'ListItem', position: 1, name: 'Home', item: `${FRONTEND}/` },
        { '@type': 'ListItem', position: 2, name: 'Fantasy', item: `${FRONTEND}/tags/fantasy` },
        {
          '@type': 'ListItem',
          position: 3,
          name: 'Mira the Keeper',
          item: `${FRONTEND}/c/mira-keeper`,
        },
      ]);
    });

    it('states the real counts only, never the displayed base counters', async () => {
      const page = (await get('c/mira-keeper').expect(200)).text;
      const counts = (
        ldByType(page).CreativeWork.interactionStatistic as Array<{
          userInteractionCount: number;
        }>
      ).map((counter) => counter.userInteractionCount);
      expect(counts).toEqual([7, 3]);
      expect(page).toContain('Chats: 7 · Likes: 3');
    });

    it('renders the translation for ?lang= and falls back to the original otherwise', async () => {
      const ru = (await get('c/mira-keeper?lang=ru').expect(200)).text;
      expect(ru).toContain('<html lang="ru">');
      expect(textOf(inner(ru, 'title'))).toBe(
        'Мира, смотритель маяка — чат с ИИ-персонажем | SweetSin',
      );
      expect(linkHref(ru, 'canonical')).toBe(`${FRONTEND}/c/mira-keeper?lang=ru`);
      expect(meta(ru, 'og:locale')).toBe('ru_RU');
      expect(ru).toContain('Меняет истории на новости');
      expect(ru).not.toContain('Trades stories for news');
      expect(ru).toContain(`Ты пережил шторм, ${copyFor('ru').you}.`);
      expect(ldByType(ru).CreativeWork).toMatchObject({
        name: 'Мира, смотритель маяка',
        inLanguage: 'ru',
      });

      // No German translation: the English page, canonical on its own URL, so no duplicate.
      const de = (await get('c/mira-keeper?lang=de').expect(200)).text;
      expect(de).toContain('<html lang="en">');
      expect(linkHref(de, 'canonical')).toBe(`${FRONTEND}/c/mira-keeper`);
    });

    it('credits the site for characters of its own accounts', async () => {
      const page = (await get(`c/${platformCharacter.slug}`).expect(200)).text;
      expect(ldByType(page).CreativeWork.author).toEqual({
        '@type': 'Organization',
        '@id': `${FRONTEND}/#organization`,
        name: 'SweetSin',
      });
    });

    it('fills {{char}} with the name taken literally, "$&" and the like included', async () => {
      const seeded = await seedCharacter(t, writer.id, {
        name: "Cash $& $' Vale",
        scenario: 'Nobody crosses {{char}} twice.',
      });
      const page = (await get(`c/${seeded.slug}`).expect(200)).text;
      expect(page).toContain('Nobody crosses Cash $&amp; $&#39; Vale twice.');
    });

    it('answers 400 for an unknown ?lang= and ignores tracking parameters', async () => {
      const bad = await get('c/mira-keeper?lang=xx').expect(400);
      expect(bad.headers['content-type']).toMatch(/^text\/html/);
      expect(bad.text).toContain('lang must be one of: ru, en, es, fr, de, pt, it');
      await get('c/mira-keeper?utm_source=news&fbclid=abc').expect(200);
    });
  });

  describe('quality gate', () => {
    it.each(Object.keys(HIDDEN))('answers a %s character with a noindex 404 page', async (key) => {
      const res = await get(`c/${hidden[key].slug}`).expect(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(meta(res.text, 'robots')).toBe('noindex');
      expect(res.text).toContain('Character not found');
    });

    it('answers an unknown slug and an unknown tag with 404', async () => {
      await get('c/nobody-here').expect(404);
      await get('tags/not-a-tag').expect(404);
    });

    it('keeps hidden characters out of every page, the sitemap and the feed', async () => {
      const outputs = await Promise.all(
        [
          'home',
          'tags/fantasy',
          'campaigns',
          'c/mira-keeper',
          'sitemap.xml',
          'feed.xml',
          ...['ru', 'fr'].map((lang) => `home?lang=${lang}`),
        ].map(async (path) => (await get(path).expect(200)).text),
      );
      for (const output of outputs) {
        for (const [key, seed] of Object.entries(HIDDEN)) {
          expect(output).not.toContain(seed.name);
          expect(output).not.toContain(hidden[key].slug);
        }
      }
    });
  });

  describe('listings', () => {
    it('lists a tag with enough characters as an indexable collection', async () => {
      const page = (await get('tags/fantasy').expect(200)).text;
      expect(textOf(inner(page, 'h1'))).toBe('Fantasy characters');
      expect(meta(page, 'robots')).toBe('index, follow');
      expect(linkHref(page, 'canonical')).toBe(`${FRONTEND}/tags/fantasy`);
      expect(Object.keys(hreflangs(page))).toEqual([
        'ru',
        'en',
        'es',
        'fr',
        'de',
        'pt',
        'it',
        'x-default',
      ]);
      const collection = ldByType(page).CollectionPage;
      const names = (
        collection.mainEntity as { itemListElement: Array<{ name: string }> }
      ).itemListElement.map((item) => item.name);
      expect(names).toEqual(expect.arrayContaining(['Mira the Keeper', 'Orin Vale', 'Lysa Thorn']));
      expect(page).toContain('<a href="http://frontend.test/c/mira-keeper">');
    });

    it('marks a thin listing noindex', async () => {
      const page = (await get('tags/horror').expect(200)).text;
      expect(meta(page, 'robots')).toBe('noindex, follow');
      expect(page).toContain('Lonely Horror');
    });

    it('lists DnD characters (free or structured tag dnd) as campaigns', async () => {
      const page = (await get('campaigns').expect(200)).text;
      expect(textOf(inner(page, 'h1'))).toBe(en.campaigns.h1);
      for (const i of [0, 2, 3]) expect(page).toContain(`Dungeon Master ${i}`);
      expect(page).not.toContain('Dungeon Master 1');
    });

    it('localizes the home page and links the non-thin tags', async () => {
      const home = (await get('home').expect(200)).text;
      expect(textOf(inner(home, 'title'))).toBe(en.home.default.title);
      expect(textOf(inner(home, 'h1'))).toBe(en.home.default.h1);
      expect(meta(home, 'og:title')).toBe(en.home.default.title);
      expect(home).toContain('href="http://frontend.test/tags/fantasy"');
      expect(home).not.toContain('href="http://frontend.test/tags/horror"');
      const ld = ldByType(home);
      expect(Object.keys(ld).sort()).toEqual(['Organization', 'SoftwareApplication', 'WebSite']);
      expect(ld.Organization.description).toBe(en.organization.default);

      const fr = (await get('home?lang=fr').expect(200)).text;
      expect(fr).toContain('<html lang="fr">');
      expect(textOf(inner(fr, 'h1'))).toBe(copyFor('fr').home.default.h1);
      expect(linkHref(fr, 'canonical')).toBe(`${FRONTEND}/?lang=fr`);
    });
  });

  describe('site pages', () => {
    it('renders the FAQ with FAQPage JSON-LD', async () => {
      const page = (await get('faq?lang=de').expect(200)).text;
      const faq = ldByType(page).FAQPage;
      expect(faq.inLanguage).toBe('de');
      expect((faq.mainEntity as unknown[]).length).toBe(copyFor('de').faq.items.length);
      expect(linkHref(page, 'canonical')).toBe(`${FRONTEND}/faq?lang=de`);
    });

    it.each([
      ['about', 'AboutPage'],
      ['terms', 'WebPage'],
      ['privacy', 'WebPage'],
    ] as const)('renders %s with %s and breadcrumb JSON-LD', async (path, type) => {
      const page = (await get(path).expect(200)).text;
      expect(textOf(inner(page, 'h1'))).toBe(en[path].h1);
      expect(meta(page, 'description')).toBe(en[path].description);
      expect(linkHref(page, 'canonical')).toBe(`${FRONTEND}/${path}`);
      const ld = ldByType(page);
      expect(ld[type]).toMatchObject({ url: `${FRONTEND}/${path}`, inLanguage: 'en' });
      expect(ld.BreadcrumbList).toBeDefined();
    });

    it('has no executable script on any page', async () => {
      for (const path of ['home', 'c/mira-keeper', 'tags/fantasy', 'campaigns', 'faq', 'about']) {
        const page = (await get(path).expect(200)).text;
        const scripts = page.match(/<script\b[^>]*>/gi) ?? [];
        expect(scripts.length).toBeGreaterThan(0);
        for (const tag of scripts) expect(tag).toBe('<script type="application/ld+json">');
        // No event-handler attribute on any real tag (escaped user text has no raw "<").
        for (const tag of page.match(/<[a-z][^>]*>/gi) ?? []) expect(tag).not.toMatch(/\son\w+=/i);
      }
    });
  });

  describe('hostile text', () => {
    it('renders inert in HTML and round-trips through JSON-LD', async () => {
      const page = (await get(`c/${xss.slug}`).expect(200)).text;
      expect(page).not.toContain('<script>alert');
      expect(page).not.toContain('<img src=x');
      expect(page).not.toContain('<b>bold</b>');
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;Quoted&quot; &amp;');
      expect(meta(page, 'og:title')).toBe(`${XSS_NAME} — AI character chat | SweetSin`);
      const ld = ldByType(page).CreativeWork;
      expect(ld.name).toBe(XSS_NAME);
      expect(ld.description).toBe(XSS_DESCRIPTION);
      expect(ld.keywords).toBe('<b>bold</b>');
      // Inside the data block the dangerous characters are \u escapes, not raw.
      const raw = page.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/)![1];
      expect(raw).not.toMatch(/[<>&]/);
    });

    it('renders inert in the listings', async () => {
      for (const path of ['home', 'tags/fantasy']) {
        const page = (await get(path).expect(200)).text;
        expect(page).not.toContain('<script>alert');
        expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        for (const block of jsonLdBlocks(page)) expect(block).toBeDefined();
      }
    });

    it('is escaped in the feed and the sitemap, which parse as XML', async () => {
      const feed = (await get('feed.xml').expect(200)).text;
      expect(feed).not.toContain('<script>');
      const rss = parseXml(feed) as {
        rss: { channel: { item: Array<{ title: string; description: string }> } };
      };
      const item = rss.rss.channel.item.find((entry) => entry.title === XSS_NAME);
      expect(item?.description).toBe(XSS_DESCRIPTION);
      parseXml((await get('sitemap.xml').expect(200)).text);
    });
  });

  describe('variants', () => {
    const full = {
      personality: 'Patient.',
      scenario: 'A storm.',
      appearance: 'A coat.',
      highlights: [{ text: 'Good listener', lang: 'en' as const }],
    };

    /** Two slugs whose pages differ both in wording and in section order. */
    function distinctSlugs(): [string, string] {
      const first = 'variant-0';
      const order = (slug: string) =>
        orderSections(
          ['greeting', 'personality', 'scenario', 'appearance', 'highlights'],
          pageVariant(slug),
        ).join();
      for (let i = 1; ; i++) {
        const slug = `variant-${i}`;
        if (
          pageVariant(slug).wording !== pageVariant(first).wording &&
          order(slug) !== order(first)
        ) {
          return [first, slug];
        }
      }
    }

    const sectionHeadings = (page: string) =>
      [...page.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);

    it('picks heading, call to action and section order from the slug, stably', async () => {
      const slugs = distinctSlugs();
      const pages: string[] = [];
      for (const slug of slugs) {
        await seedCharacter(t, writer.id, { slug, name: 'Vera', ...full });
        const page = (await get(`c/${slug}`).expect(200)).text;
        expect((await get(`c/${slug}`).expect(200)).text).toBe(page);
        const variant = pageVariant(slug);
        expect(textOf(inner(page, 'h1'))).toBe(
          fill(en.character.headings[variant.wording], { name: 'Vera' }),
        );
        expect(page).toContain(`rel="nofollow">${en.character.ctas[variant.wording]}</a>`);
        const expected = orderSections(
          ['greeting', 'personality', 'scenario', 'appearance', 'highlights'] as const,
          variant,
        ).map((key) => en.character.sections[key]);
        expect(sectionHeadings(page).slice(1, 6)).toEqual(expected);
        pages.push(page);
      }
      expect(textOf(inner(pages[0], 'h1'))).not.toBe(textOf(inner(pages[1], 'h1')));
      expect(sectionHeadings(pages[0])).not.toEqual(sectionHeadings(pages[1]));
    });
  });

  describe('caching', () => {
    it.each([
      'c/mira-keeper',
      'home',
      'faq',
      'tags/fantasy',
      'robots.txt',
      'feed.xml',
      'sitemap.xml',
    ])(
      '%s carries Cache-Control and a strong ETag and answers 304 when it matches',
      async (path) => {
        const first = await get(path).expect(200);
        const etag = first.headers.etag as string;
        expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
        expect(first.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
        for (const condition of [etag, `W/${etag}`, `"other", ${etag}`]) {
          const again = await get(path).set('If-None-Match', condition).expect(304);
          expect(again.text ?? '').toBe('');
          expect(again.headers.etag).toBe(etag);
        }
        await get(path).set('If-None-Match', '"something-else"').expect(200);
      },
    );

    it('changes the ETag of a page and of the sitemap when the character changes', async () => {
      const page = await get('c/mira-keeper').expect(200);
      const sitemap = await get('sitemap.xml').expect(200);
      await t.dataSource.query(
        `UPDATE character SET appearance = 'A new coat', updated_at = now() WHERE slug = 'mira-keeper'`,
      );
      await rowCachesCaughtUp(t);
      const changedPage = await get('c/mira-keeper').set('If-None-Match', page.headers.etag);
      expect(changedPage.status).toBe(200);
      const changedSitemap = await get('sitemap.xml').set('If-None-Match', sitemap.headers.etag);
      expect(changedSitemap.status).toBe(200);
      expect(changedSitemap.headers.etag).not.toBe(sitemap.headers.etag);
    });
  });

  describe('feeds', () => {
    it('scans the catalogue once for sitemap requests, together or not, until it changes', async () => {
      const catalogue = t.app.get(PublicCatalogueService);
      const scan = catalogue.sitemapChecksum.bind(catalogue);
      let scans = 0;
      catalogue.sitemapChecksum = async () => {
        scans++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return scan();
      };
      try {
        // What earlier tests left cached goes first.
        t.app.get(CatalogueCache).invalidate();
        const answers = await Promise.all(
          Array.from({ length: 5 }, () => get('sitemap.xml').expect(200)),
        );
        expect(new Set(answers.map((res) => res.headers.etag)).size).toBe(1);
        expect(scans).toBe(1);
        // Later ones, conditional or not, take the checksum the scan left in the cache.
        await get('sitemap.xml').expect(200);
        await get('sitemap.xml').set('If-None-Match', answers[0].headers.etag).expect(304);
        expect(scans).toBe(1);
        // A change of a listed character drops it: nothing is served stale.
        await t.dataSource.query(
          `UPDATE character SET appearance = 'A grey coat', updated_at = now()
           WHERE slug = 'mira-keeper'`,
        );
        await rowCachesCaughtUp(t);
        const changed = await get('sitemap.xml').set('If-None-Match', answers[0].headers.etag);
        expect(changed.status).toBe(200);
        expect(changed.headers.etag).not.toBe(answers[0].headers.etag);
        expect(scans).toBe(2);
      } finally {
        catalogue.sitemapChecksum = scan;
      }
    });

    it('lists gated characters with lastmod and the non-thin tag pages in the sitemap', async () => {
      const res = await get('sitemap.xml').expect(200);
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
      const urls = (
        parseXml(res.text) as { urlset: { url: Array<{ loc: string; lastmod?: string }> } }
      ).urlset.url;
      const locs = urls.map((url) => url.loc);
      expect(locs).toEqual(
        expect.arrayContaining([
          `${FRONTEND}/`,
          `${FRONTEND}/faq`,
          `${FRONTEND}/about`,
          `${FRONTEND}/terms`,
          `${FRONTEND}/privacy`,
          `${FRONTEND}/tags/fantasy`,
          `${FRONTEND}/c/mira-keeper`,
        ]),
      );
      expect(locs).not.toContain(`${FRONTEND}/tags/horror`);
      // Three DnD characters, but campaigns join the sitemap in fiction mode only.
      expect(locs).not.toContain(`${FRONTEND}/campaigns`);
      expect(new Set(locs).size).toBe(locs.length);
      for (const url of urls.filter((u) => u.loc.includes('/c/'))) {
        expect(url.lastmod).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    });

    it('serves robots.txt with the NSFW disallow outside fiction mode', async () => {
      const res = await get('robots.txt').expect(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text).toContain('Disallow: /nsfw\n');
      expect(res.text).toContain(`Sitemap: ${FRONTEND}/api/seo/sitemap.xml\n`);
      expect(res.text).toContain('Allow: /api/seo/sitemap\n');
    });

    it('serves RSS 2.0 of the newest public characters', async () => {
      const res = await get('feed.xml').expect(200);
      expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
      const { rss } = parseXml(res.text) as {
        rss: {
          '@version': string;
          channel: {
            title: string;
            description: string;
            item: Array<{ title: string; link: string; pubDate: string }>;
          };
        };
      };
      expect(rss['@version']).toBe('2.0');
      expect(rss.channel.title).toBe(en.feed.default.title);
      expect(rss.channel.description).toBe(en.feed.default.description);
      const titles = rss.channel.item.map((item) => item.title);
      expect(titles).toEqual(expect.arrayContaining(['Mira the Keeper', 'House Character']));
      for (const item of rss.channel.item) {
        expect(new Date(item.pubDate).toUTCString()).toBe(item.pubDate);
        expect(item.link.startsWith(`${FRONTEND}/c/`)).toBe(true);
      }
    });
  });

  it('documents every SEO endpoint in OpenAPI with its media type', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    const paths = Object.keys(body.paths).filter((path) => path.startsWith('/api/seo'));
    expect(paths.sort()).toEqual(
      [
        '/api/seo/about',
        '/api/seo/c/{slug}',
        '/api/seo/campaigns',
        '/api/seo/faq',
        '/api/seo/feed.xml',
        '/api/seo/home',
        '/api/seo/privacy',
        '/api/seo/robots.txt',
        '/api/seo/sitemap-{n}.xml',
        '/api/seo/sitemap.xml',
        '/api/seo/tags/{slug}',
        '/api/seo/terms',
      ].sort(),
    );
    for (const path of paths) {
      const operation = body.paths[path].get;
      expect({ path, tags: operation.tags, summary: typeof operation.summary }).toEqual({
        path,
        tags: ['seo'],
        summary: 'string',
      });
      expect(Object.keys(operation.responses['200'].content)).toHaveLength(1);
      expect(operation.responses['304']).toBeDefined();
    }
  });
});
