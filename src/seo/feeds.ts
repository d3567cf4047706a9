import type { PublicCharacter, SitemapEntries } from '../characters/public-catalogue.service.js';
import { DEFAULT_LANGUAGE } from '../common/languages.js';
import { snippet } from './lib/document.js';
import { type Markup, safeXml } from './lib/markup.js';
import { apiUrl, PATHS, pageUrl, type Site } from './lib/site.js';
import { type PageContext, tagLabel } from './pages.js';

/** The sitemap protocol's limit per file; beyond it /sitemap.xml becomes an index. */
export const MAX_SITEMAP_URLS = 50_000;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';

export const URLSET_OPEN = `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}">\n`;
export const URLSET_CLOSE = '</urlset>\n';

export const sitemapUrl = (loc: string, lastmod?: string): Markup =>
  safeXml`<url><loc>${loc}</loc>${lastmod ? safeXml`<lastmod>${lastmod}</lastmod>` : ''}</url>\n`;

/** Sitemap lines of characters (their bare, original-language URL; hreflang names the rest). */
export function characterSitemapUrls(site: Site, entries: SitemapEntries): string {
  let lines = '';
  for (let i = 0; i < entries.slugs.length; i++) {
    lines += sitemapUrl(
      `${site.origin}${PATHS.character(entries.slugs[i])}`,
      entries.lastmods[i],
    ).value;
  }
  return lines;
}

/** Sitemap file n (1-based) as the index names it. */
export const sitemapFileUrl = (site: Site, n: number): string =>
  apiUrl(site, `/api/seo/sitemap-${n}.xml`);

export function sitemapIndex(site: Site, files: number): string {
  const entries = Array.from(
    { length: files },
    (_, i) => safeXml`<sitemap><loc>${sitemapFileUrl(site, i + 1)}</loc></sitemap>\n`,
  );
  return `${XML_DECLARATION}${safeXml`<sitemapindex xmlns="${SITEMAP_NS}">\n${entries}</sitemapindex>\n`}`;
}

/**
 * robots.txt for the frontend's host (which proxies /api): the API stays closed except the
 * feeds and images crawlers need. NSFW browsing is closed outside fiction mode (a fiction
 * site has none).
 */
export function robotsTxt(site: Site): string {
  return [
    `# ${site.name}`,
    'User-agent: *',
    'Allow: /',
    'Disallow: /api/',
    'Allow: /api/seo/sitemap',
    'Allow: /api/seo/feed.xml',
    'Allow: /api/avatars/',
    'Disallow: /chat/',
    'Disallow: /settings',
    'Disallow: /admin',
    ...(site.mode === 'fiction'
      ? []
      : ['Disallow: /nsfw', 'Disallow: /*content_rating=nsfw', 'Disallow: /*include_nsfw=']),
    '',
    `Sitemap: ${apiUrl(site, '/api/seo/sitemap.xml')}`,
    '',
  ].join('\n');
}

/** RSS 2.0 of the newest public characters; dates come from the data, so the body is stable. */
export function rssFeed(ctx: PageContext, characters: readonly PublicCharacter[]): string {
  const { site, lang, copy } = ctx;
  const channel = copy.feed[site.mode];
  const self = `${apiUrl(site, '/api/seo/feed.xml')}${lang === DEFAULT_LANGUAGE ? '' : `?lang=${lang}`}`;
  const items = characters.map((c) => {
    const link = pageUrl(site, PATHS.character(c.slug), c.language, c.originalLanguage);
    return safeXml`<item>
<title>${c.name}</title>
<link>${link}</link>
<guid isPermaLink="true">${link}</guid>
<pubDate>${c.createdAt.toUTCString()}</pubDate>
<description>${snippet(c.description, 500)}</description>
${c.structuredTags.map((id) => safeXml`<category>${tagLabel(id, c.language)}</category>\n`)}</item>
`;
  });
  const newest = characters[0]?.createdAt;
  return `${XML_DECLARATION}${safeXml`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${channel.title}</title>
<link>${pageUrl(site, PATHS.home, lang)}</link>
<description>${channel.description}</description>
<language>${lang}</language>
<atom:link href="${self}" rel="self" type="application/rss+xml"/>
${newest ? safeXml`<lastBuildDate>${newest.toUTCString()}</lastBuildDate>\n` : ''}${items}</channel>
</rss>
`}`;
}
