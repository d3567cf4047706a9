import { describe, expect, it } from '@jest/globals';
import {
  breadcrumbJsonLd,
  type CharacterLdInput,
  characterJsonLd,
  collectionJsonLd,
  faqJsonLd,
  organizationJsonLd,
  softwareApplicationJsonLd,
  websiteJsonLd,
} from './jsonld.js';
import type { Site } from './site.js';

const site: Site = { name: 'Taleforge', mode: 'default', origin: 'https://tales.example' };

const character: CharacterLdInput = {
  url: 'https://tales.example/c/mira',
  name: 'Mira',
  description: 'A lighthouse keeper.',
  image: 'https://tales.example/api/avatars/mira.png',
  language: 'ru',
  keywords: ['sea', 'storm'],
  genres: ['Fantasy'],
  author: { type: 'Person', name: 'Anna' },
  chatCount: 7,
  likeCount: 2,
  // A non-UTC offset in the input must come out as UTC.
  createdAt: new Date('2025-03-01T10:00:00+03:00'),
  updatedAt: new Date('2025-03-02T00:30:00-05:00'),
};

describe('characterJsonLd', () => {
  const ld = characterJsonLd(site, character);

  it('carries language, the site it is part of, its author and UTC dates', () => {
    expect(ld).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'CreativeWork',
      url: 'https://tales.example/c/mira',
      inLanguage: 'ru',
      isPartOf: {
        '@type': 'WebSite',
        '@id': 'https://tales.example/#website',
        name: 'Taleforge',
      },
      author: { '@type': 'Person', name: 'Anna' },
      dateCreated: '2025-03-01T07:00:00.000Z',
      datePublished: '2025-03-01T07:00:00.000Z',
      dateModified: '2025-03-02T05:30:00.000Z',
      genre: ['Fantasy'],
      keywords: 'sea, storm',
    });
  });

  it('states the real counts it was given and nothing else', () => {
    expect(ld.interactionStatistic).toEqual([
      {
        '@type': 'InteractionCounter',
        interactionType: 'https://schema.org/CommunicateAction',
        userInteractionCount: 7,
      },
      {
        '@type': 'InteractionCounter',
        interactionType: 'https://schema.org/LikeAction',
        userInteractionCount: 2,
      },
    ]);
    expect(ld).not.toHaveProperty('aggregateRating');
  });

  it("credits the site's organization when there is no person to name", () => {
    expect(
      characterJsonLd(site, { ...character, author: { type: 'Organization' } }).author,
    ).toEqual({
      '@type': 'Organization',
      '@id': 'https://tales.example/#organization',
      name: 'Taleforge',
    });
  });
});

describe('site-level JSON-LD', () => {
  it('names the site and links website, organization and application together', () => {
    expect(websiteJsonLd(site, 'Stories.')).toMatchObject({
      '@type': 'WebSite',
      name: 'Taleforge',
      description: 'Stories.',
      publisher: { '@id': 'https://tales.example/#organization' },
      inLanguage: ['ru', 'en', 'es', 'fr', 'de', 'pt', 'it'],
    });
    expect(organizationJsonLd(site, 'We tell.')).toMatchObject({
      '@type': 'Organization',
      '@id': 'https://tales.example/#organization',
      description: 'We tell.',
    });
    expect(softwareApplicationJsonLd(site, 'An app.')).toMatchObject({
      '@type': 'SoftwareApplication',
      operatingSystem: 'Web',
      offers: { '@type': 'Offer', price: '0' },
    });
  });

  it('numbers breadcrumbs, collection items and FAQ entries in order', () => {
    const crumbs = [
      { name: 'Home', url: 'https://tales.example/' },
      { name: 'Mira', url: 'https://tales.example/c/mira' },
    ];
    expect(breadcrumbJsonLd(crumbs).itemListElement).toEqual([
      { '@type': 'ListItem', position: 1, name: 'Home', item: 'https://tales.example/' },
      { '@type': 'ListItem', position: 2, name: 'Mira', item: 'https://tales.example/c/mira' },
    ]);
    const collection = collectionJsonLd(
      site,
      {
        name: 'Fantasy',
        description: 'd',
        url: 'https://tales.example/tags/fantasy',
        items: crumbs,
      },
      'en',
    );
    expect(collection.mainEntity).toMatchObject({ '@type': 'ItemList', numberOfItems: 2 });
    expect(
      faqJsonLd('https://tales.example/faq', 'en', [{ question: 'Q?', answer: 'A.' }]),
    ).toEqual({
      '@context': 'https://schema.org',
      '@type': 'FAQPage',
      url: 'https://tales.example/faq',
      inLanguage: 'en',
      mainEntity: [
        { '@type': 'Question', name: 'Q?', acceptedAnswer: { '@type': 'Answer', text: 'A.' } },
      ],
    });
  });
});
