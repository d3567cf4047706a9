import type { PublicCharacter } from '../characters/public-catalogue.service.js';
import { STRUCTURED_TAGS } from '../characters/lib/structured-tags.js';
import { LANGUAGES, type Language } from '../common/languages.js';
import { type Copy, fill, LANGUAGE_NAMES } from './copy/copy.js';
import { paragraphs, renderDocument, snippet } from './lib/document.js';
import {
  breadcrumbJsonLd,
  characterJsonLd,
  collectionJsonLd,
  type Crumb,
  faqJsonLd,
  organizationJsonLd,
  softwareApplicationJsonLd,
  webPageJsonLd,
  websiteJsonLd,
} from './lib/jsonld.js';
import { type Markup, safeHtml } from './lib/markup.js';
import { alternates, apiUrl, PATHS, pageUrl, type Site } from './lib/site.js';
import { orderSections, pageVariant } from './lib/variants.js';

/**
 * The SEO pages as pure functions of their data. A listing with fewer characters than this is
 * thin: it renders with noindex and stays out of the sitemap and the home page's theme links.
 */
export const MIN_LISTING_SIZE = 3;

/** Everything a page needs besides its data: the site, the language and its (branded) copy. */
export interface PageContext {
  site: Site;
  lang: Language;
  copy: Copy;
}

const TAG_LABELS = new Map(STRUCTURED_TAGS.map((tag) => [tag.id as string, tag.labels]));

export const tagLabel = (id: string, lang: Language): string => TAG_LABELS.get(id)?.[lang] ?? id;

/** The character's page in the language its text is in (bare URL for its original language). */
const characterUrl = (site: Site, c: PublicCharacter, lang = c.language): string =>
  pageUrl(site, PATHS.character(c.slug), lang, c.originalLanguage);

function homeCrumb({ site, lang, copy }: PageContext): Crumb {
  return { name: copy.nav.home, url: pageUrl(site, PATHS.home, lang) };
}

function characterList(ctx: PageContext, characters: readonly PublicCharacter[]): Markup {
  if (characters.length === 0) return safeHtml`<p>${ctx.copy.empty}</p>`;
  const items = characters.map(
    (c) => safeHtml`
<li><a href="${characterUrl(ctx.site, c)}"><img src="${c.avatarUrl}" alt="${c.name}" width="96" height="96" loading="lazy"> ${c.name}</a>
<p>${snippet(c.description)}</p></li>`,
  );
  return safeHtml`<ul>${items}
</ul>`;
}

// Images use the avatar's API path as stored (/api/avatars/…): same-origin both when the API
// serves the page and behind the frontend's /api proxy, so the CSP's img-src 'self' allows it.
// Open Graph and JSON-LD need absolute URLs and get apiUrl().

export interface CharacterPageData {
  character: PublicCharacter;
  author: { type: 'Person'; name: string } | { type: 'Organization' };
  related: PublicCharacter[];
}

type SectionKey = 'greeting' | 'personality' | 'scenario' | 'appearance' | 'highlights';

export function characterPage(ctx: PageContext, data: CharacterPageData): string {
  const { site, copy } = ctx;
  const { character: c, related } = data;
  const variant = pageVariant(c.slug);
  const url = characterUrl(site, c);
  const name = c.name;
  const words = copy.character;
  // The character's text comes with its macros expanded (SeoService, readableCharacter).
  const sections: Record<SectionKey, Markup | null> = {
    greeting: safeHtml`<blockquote>${paragraphs(c.greeting)}</blockquote>`,
    personality: c.personality.trim() ? safeHtml`${paragraphs(c.personality)}` : null,
    scenario: c.scenario.trim() ? safeHtml`${paragraphs(c.scenario)}` : null,
    appearance: c.appearance.trim() ? safeHtml`${paragraphs(c.appearance)}` : null,
    highlights:
      c.highlights.length > 0
        ? safeHtml`<ul>${c.highlights.map((text) => safeHtml`<li>${text}</li>`)}</ul>`
        : null,
  };
  const ordered = orderSections(
    (Object.keys(sections) as SectionKey[]).filter((key) => sections[key] !== null),
    variant,
  );
  const genres = c.structuredTags.map((id) => ({ id, label: tagLabel(id, c.language) }));
  const firstGenre = genres[0];
  const breadcrumbs: Crumb[] = [
    homeCrumb(ctx),
    ...(firstGenre
      ? [{ name: firstGenre.label, url: pageUrl(site, PATHS.tag(firstGenre.id), c.language) }]
      : []),
    { name, url },
  ];
  const otherLanguages = LANGUAGES.filter(
    (lang) => lang !== c.language && c.languages.includes(lang),
  );
  const image = apiUrl(site, c.avatarUrl);
  const themes =
    genres.length > 0 || c.tags.length > 0
      ? safeHtml`<section><h2>${words.sections.tags}</h2>
<ul>${genres.map(
          (g) =>
            safeHtml`<li><a href="${pageUrl(site, PATHS.tag(g.id), c.language)}">${g.label}</a></li>`,
        )}${c.tags.map((tag) => safeHtml`<li>${tag}</li>`)}</ul></section>
`
      : '';
  const similar =
    related.length > 0
      ? safeHtml`<section><h2>${words.sections.related}</h2>
${characterList(ctx, related)}</section>
`
      : '';
  const translations =
    otherLanguages.length > 0
      ? safeHtml`<p>${words.otherLanguages}: ${otherLanguages.map(
          (lang, i) =>
            safeHtml`${i > 0 ? ' · ' : ''}<a href="${characterUrl(site, c, lang)}" hreflang="${lang}" lang="${lang}">${LANGUAGE_NAMES[lang]}</a>`,
        )}</p>
`
      : '';
  const main = safeHtml`<article>
<header>
<img src="${c.avatarUrl}" alt="${name}" width="256" height="256">
<h1>${fill(words.headings[variant.wording], { name })}</h1>
<p><a href="${site.origin}${PATHS.chat(c.slug)}" rel="nofollow">${words.ctas[variant.wording]}</a></p>
<p>${words.chats}: ${c.chatCount} · ${words.likes}: ${c.likeCount}</p>
</header>
<section><h2>${fill(words.sections.about, { name })}</h2>
${paragraphs(c.description)}</section>
${ordered.map((key) => safeHtml`<section><h2>${words.sections[key]}</h2>\n${sections[key]}</section>\n`)}${themes}${similar}${translations}</article>`;
  return renderDocument(
    site,
    copy,
    {
      lang: c.language,
      title: fill(words.title, { name }),
      description: c.description,
      canonical: url,
      alternates: alternates(site, PATHS.character(c.slug), c.languages, c.originalLanguage),
      indexable: true,
      ogType: 'profile',
      image: { url: image, alt: name },
      breadcrumbs,
      jsonLd: [
        characterJsonLd(site, {
          url,
          name,
          description: c.description,
          image,
          language: c.language,
          keywords: c.tags,
          genres: genres.map((g) => g.label),
          author: data.author,
          chatCount: c.chatCount,
          likeCount: c.likeCount,
          createdAt: c.createdAt,
          updatedAt: c.updatedAt,
        }),
        breadcrumbJsonLd(breadcrumbs),
      ],
    },
    main,
  );
}

/** A tag page or the campaigns page: a list of characters under a heading. */
export function listingPage(
  ctx: PageContext,
  page: { path: string; title: string; description: string; h1: string; intro: string },
  characters: readonly PublicCharacter[],
): string {
  const { site, lang, copy } = ctx;
  const url = pageUrl(site, page.path, lang);
  const breadcrumbs = [homeCrumb(ctx), { name: page.h1, url }];
  const main = safeHtml`<h1>${page.h1}</h1>
<p>${page.intro}</p>
${characterList(ctx, characters)}`;
  return renderDocument(
    site,
    copy,
    {
      lang,
      title: page.title,
      description: page.description,
      canonical: url,
      alternates: alternates(site, page.path, LANGUAGES),
      indexable: characters.length >= MIN_LISTING_SIZE,
      ogType: 'website',
      breadcrumbs,
      jsonLd: [
        collectionJsonLd(
          site,
          {
            name: page.h1,
            description: page.description,
            url,
            items: characters.map((c) => ({ name: c.name, url: characterUrl(site, c) })),
          },
          lang,
        ),
        breadcrumbJsonLd(breadcrumbs),
      ],
    },
    main,
  );
}

export function homePage(
  ctx: PageContext,
  popular: readonly PublicCharacter[],
  /** Structured tag ids whose pages are not thin. */
  tags: readonly string[],
): string {
  const { site, lang, copy } = ctx;
  const home = copy.home[site.mode];
  const url = pageUrl(site, PATHS.home, lang);
  const themes =
    tags.length > 0
      ? safeHtml`<section><h2>${copy.home.browseTags}</h2>
<ul>${tags.map(
          (id) =>
            safeHtml`<li><a href="${pageUrl(site, PATHS.tag(id), lang)}">${tagLabel(id, lang)}</a></li>`,
        )}</ul></section>`
      : '';
  const main = safeHtml`<h1>${home.h1}</h1>
<p>${home.intro}</p>
<section><h2>${copy.home.popular}</h2>
${characterList(ctx, popular)}</section>
${themes}`;
  return renderDocument(
    site,
    copy,
    {
      lang,
      title: home.title,
      description: home.description,
      canonical: url,
      alternates: alternates(site, PATHS.home, LANGUAGES),
      indexable: true,
      ogType: 'website',
      jsonLd: [
        websiteJsonLd(site, copy.website[site.mode]),
        organizationJsonLd(site, copy.organization[site.mode]),
        softwareApplicationJsonLd(site, copy.software[site.mode]),
      ],
    },
    main,
  );
}

export function faqPage(ctx: PageContext): string {
  const { site, lang, copy } = ctx;
  const url = pageUrl(site, PATHS.faq, lang);
  const breadcrumbs = [homeCrumb(ctx), { name: copy.faq.h1, url }];
  const main = safeHtml`<h1>${copy.faq.h1}</h1>
${copy.faq.items.map(
  (item) => safeHtml`<section><h2>${item.question}</h2>\n<p>${item.answer}</p></section>\n`,
)}`;
  return renderDocument(
    site,
    copy,
    {
      lang,
      title: copy.faq.title,
      description: copy.faq.description,
      canonical: url,
      alternates: alternates(site, PATHS.faq, LANGUAGES),
      indexable: true,
      ogType: 'website',
      breadcrumbs,
      jsonLd: [faqJsonLd(url, lang, copy.faq.items), breadcrumbJsonLd(breadcrumbs)],
    },
    main,
  );
}

export type TextPageKey = 'about' | 'terms' | 'privacy';

export function textPage(ctx: PageContext, key: TextPageKey): string {
  const { site, lang, copy } = ctx;
  const page = copy[key];
  const url = pageUrl(site, PATHS[key], lang);
  const breadcrumbs = [homeCrumb(ctx), { name: page.h1, url }];
  const main = safeHtml`<h1>${page.h1}</h1>
${page.paragraphs.map((text) => safeHtml`<p>${text}</p>\n`)}`;
  return renderDocument(
    site,
    copy,
    {
      lang,
      title: page.title,
      description: page.description,
      canonical: url,
      alternates: alternates(site, PATHS[key], LANGUAGES),
      indexable: true,
      ogType: 'website',
      breadcrumbs,
      jsonLd: [
        webPageJsonLd(
          site,
          {
            type: key === 'about' ? 'AboutPage' : 'WebPage',
            name: page.h1,
            description: page.description,
            url,
          },
          lang,
        ),
        ...(key === 'about' ? [organizationJsonLd(site, copy.organization[site.mode])] : []),
        breadcrumbJsonLd(breadcrumbs),
      ],
    },
    main,
  );
}
