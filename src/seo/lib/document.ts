import type { Language } from '../../common/languages.js';
import type { Copy } from '../copy/copy.js';
import { jsonForScript } from '../../common/escape.js';
import type { Crumb, JsonLd } from './jsonld.js';
import { type Markup, safeHtml, trusted } from './markup.js';
import { type Alternate, apiUrl, OG_LOCALES, PATHS, pageUrl, type Site } from './site.js';

export interface PageHead {
  lang: Language;
  title: string;
  /** Plain text; cut to a snippet's length here. */
  description: string;
  canonical: string;
  alternates: Alternate[];
  /** False for thin pages: `noindex, follow`, so their links still count. */
  indexable: boolean;
  ogType: 'website' | 'profile';
  image?: { url: string; alt: string };
  breadcrumbs?: Crumb[];
  jsonLd: JsonLd[];
}

const SNIPPET_LENGTH = 160;

/** Collapses whitespace and cuts at a word boundary, for meta descriptions and feed items. */
export function snippet(text: string, max = SNIPPET_LENGTH): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?—-]+$/, '')}…`;
}

/** Roleplay text marks actions and thoughts with *asterisks*: shown as emphasis. */
const emphasis = (line: string): Array<Markup | string> =>
  line.split(/\*([^*\n]+)\*/).map((part, i) => (i % 2 === 1 ? safeHtml`<em>${part}</em>` : part));

/** Text with blank-line paragraphs and single line breaks, as HTML. */
export const paragraphs = (text: string): Markup[] =>
  text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n').map(emphasis);
      return safeHtml`<p>${lines.map((line, i) => (i === 0 ? line : safeHtml`<br>${line}`))}</p>`;
    });

/**
 * The whole HTML document around a page's main content. No executable script: the only
 * script elements are JSON-LD data blocks, which the CSP does not treat as scripts to run.
 */
export function renderDocument(site: Site, copy: Copy, head: PageHead, main: Markup): string {
  const link = (path: string) => pageUrl(site, path, head.lang);
  const nav = (['home', 'campaigns', 'faq', 'about'] as const).map(
    (key) => safeHtml`<li><a href="${link(PATHS[key])}">${copy.nav[key]}</a></li>`,
  );
  const legal = (['terms', 'privacy'] as const).map(
    (key) => safeHtml` · <a href="${link(PATHS[key])}">${copy.nav[key]}</a>`,
  );
  const description = snippet(head.description);
  const otherLocales = head.alternates
    .map((alternate) => alternate.hreflang)
    .filter((lang): lang is Language => lang in OG_LOCALES && lang !== head.lang)
    .map((lang) => OG_LOCALES[lang]);
  const image = head.image
    ? safeHtml`<meta property="og:image" content="${head.image.url}">
<meta property="og:image:alt" content="${head.image.alt}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:image" content="${head.image.url}">
`
    : safeHtml`<meta name="twitter:card" content="summary">
`;
  const crumbs = head.breadcrumbs ?? [];
  const breadcrumbs =
    crumbs.length > 1
      ? safeHtml`<nav aria-label="breadcrumb"><ol>${crumbs.map((crumb, i) =>
          i === crumbs.length - 1
            ? safeHtml`<li aria-current="page">${crumb.name}</li>`
            : safeHtml`<li><a href="${crumb.url}">${crumb.name}</a></li>`,
        )}</ol></nav>
`
      : '';
  return safeHtml`<!doctype html>
<html lang="${head.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${head.title}</title>
<meta name="description" content="${description}">
<meta name="robots" content="${head.indexable ? 'index, follow' : 'noindex, follow'}">
<link rel="canonical" href="${head.canonical}">
${head.alternates.map((a) => safeHtml`<link rel="alternate" hreflang="${a.hreflang}" href="${a.href}">\n`)}<link rel="alternate" type="application/rss+xml" title="${site.name}" href="${apiUrl(site, '/api/seo/feed.xml')}">
<link rel="icon" href="data:,">
<meta property="og:type" content="${head.ogType}">
<meta property="og:site_name" content="${site.name}">
<meta property="og:title" content="${head.title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${head.canonical}">
<meta property="og:locale" content="${OG_LOCALES[head.lang]}">
${otherLocales.map((locale) => safeHtml`<meta property="og:locale:alternate" content="${locale}">\n`)}${image}<meta name="twitter:title" content="${head.title}">
<meta name="twitter:description" content="${description}">
${head.jsonLd.map((block) => safeHtml`<script type="application/ld+json">${trusted(jsonForScript(block))}</script>\n`)}</head>
<body>
<header><a href="${link(PATHS.home)}">${site.name}</a>
<nav><ul>${nav}</ul></nav></header>
${breadcrumbs}<main>
${main}
</main>
<footer><p>${site.name}${legal}</p></footer>
</body>
</html>
`.value;
}
