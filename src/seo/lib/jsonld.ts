import { LANGUAGES, type Language } from '../../common/languages.js';
import type { Site } from './site.js';

/** JSON-LD documents (spec: seo/jsonld.py). Text comes in already localized and branded. */
export type JsonLd = Record<string, unknown>;

const CONTEXT = 'https://schema.org';

const websiteId = (site: Site) => `${site.origin}/#website`;
const organizationId = (site: Site) => `${site.origin}/#organization`;

/** Enough of the WebSite for a block that names it, without repeating the whole node. */
const websiteRef = (site: Site) => ({
  '@type': 'WebSite',
  '@id': websiteId(site),
  name: site.name,
  url: `${site.origin}/`,
});

export function websiteJsonLd(site: Site, description: string): JsonLd {
  return {
    '@context': CONTEXT,
    ...websiteRef(site),
    description,
    inLanguage: [...LANGUAGES],
    publisher: { '@id': organizationId(site) },
  };
}

export function organizationJsonLd(site: Site, description: string): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'Organization',
    '@id': organizationId(site),
    name: site.name,
    url: `${site.origin}/`,
    description,
  };
}

export function softwareApplicationJsonLd(site: Site, description: string): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'SoftwareApplication',
    name: site.name,
    url: `${site.origin}/`,
    description,
    applicationCategory: 'EntertainmentApplication',
    operatingSystem: 'Web',
    inLanguage: [...LANGUAGES],
    // The free tier; premium is a subscription this document does not price.
    offers: { '@type': 'Offer', price: '0', priceCurrency: 'USD' },
    publisher: { '@id': organizationId(site) },
  };
}

export function faqJsonLd(
  url: string,
  lang: Language,
  items: ReadonlyArray<{ question: string; answer: string }>,
): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'FAQPage',
    url,
    inLanguage: lang,
    mainEntity: items.map((item) => ({
      '@type': 'Question',
      name: item.question,
      acceptedAnswer: { '@type': 'Answer', text: item.answer },
    })),
  };
}

export interface Crumb {
  name: string;
  url: string;
}

export function breadcrumbJsonLd(crumbs: readonly Crumb[]): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'BreadcrumbList',
    itemListElement: crumbs.map((crumb, i) => ({
      '@type': 'ListItem',
      position: i + 1,
      name: crumb.name,
      item: crumb.url,
    })),
  };
}

/** A page about the site itself (about, terms, privacy): WebPage or one of its subtypes. */
export function webPageJsonLd(
  site: Site,
  page: { type: 'WebPage' | 'AboutPage'; name: string; description: string; url: string },
  lang: Language,
): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': page.type,
    name: page.name,
    description: page.description,
    url: page.url,
    inLanguage: lang,
    isPartOf: websiteRef(site),
  };
}

export function collectionJsonLd(
  site: Site,
  page: { name: string; description: string; url: string; items: readonly Crumb[] },
  lang: Language,
): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'CollectionPage',
    name: page.name,
    description: page.description,
    url: page.url,
    inLanguage: lang,
    isPartOf: websiteRef(site),
    mainEntity: {
      '@type': 'ItemList',
      numberOfItems: page.items.length,
      itemListElement: page.items.map((item, i) => ({
        '@type': 'ListItem',
        position: i + 1,
        name: item.name,
        url: item.url,
      })),
    },
  };
}

export interface CharacterLdInput {
  url: string;
  name: string;
  description: string;
  image: string;
  language: Language;
  keywords: readonly string[];
  genres: readonly string[];
  /** A person by display name, or the site's organization for its own accounts. */
  author: { type: 'Person'; name: string } | { type: 'Organization' };
  chatCount: number;
  likeCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A character as a creative work. Counts are the real ones only (never the displayed
 * counters' per-language base numbers); dates are UTC ISO 8601.
 */
export function characterJsonLd(site: Site, character: CharacterLdInput): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'CreativeWork',
    '@id': `${character.url}#character`,
    url: character.url,
    name: character.name,
    description: character.description,
    image: character.image,
    inLanguage: character.language,
    isPartOf: websiteRef(site),
    author:
      character.author.type === 'Person'
        ? { '@type': 'Person', name: character.author.name }
        : { '@type': 'Organization', '@id': organizationId(site), name: site.name },
    publisher: { '@id': organizationId(site) },
    dateCreated: character.createdAt.toISOString(),
    datePublished: character.createdAt.toISOString(),
    dateModified: character.updatedAt.toISOString(),
    ...(character.genres.length > 0 ? { genre: [...character.genres] } : {}),
    ...(character.keywords.length > 0 ? { keywords: character.keywords.join(', ') } : {}),
    interactionStatistic: [
      {
        '@type': 'InteractionCounter',
        interactionType: 'https://schema.org/CommunicateAction',
        userInteractionCount: character.chatCount,
      },
      {
        '@type': 'InteractionCounter',
        interactionType: 'https://schema.org/LikeAction',
        userInteractionCount: character.likeCount,
      },
    ],
  };
}
