import { describe, expect, it } from '@jest/globals';
import { paragraphs, snippet } from './document.js';
import { alternates, apiUrl, brand, pageUrl, type Site } from './site.js';

const site: Site = { name: 'Taleforge', mode: 'fiction', origin: 'https://tales.example' };

describe('page URLs', () => {
  it('gives the default language the bare URL and the others ?lang=', () => {
    expect(pageUrl(site, '/faq', 'en')).toBe('https://tales.example/faq');
    expect(pageUrl(site, '/faq', 'ru')).toBe('https://tales.example/faq?lang=ru');
    // A character's original language is its default.
    expect(pageUrl(site, '/c/mira', 'ru', 'ru')).toBe('https://tales.example/c/mira');
    expect(pageUrl(site, '/c/mira', 'en', 'ru')).toBe('https://tales.example/c/mira?lang=en');
  });

  it('lists hreflang alternates in a fixed order, with x-default on the bare URL', () => {
    expect(alternates(site, '/c/mira', ['de', 'ru'], 'ru')).toEqual([
      { hreflang: 'ru', href: 'https://tales.example/c/mira' },
      { hreflang: 'de', href: 'https://tales.example/c/mira?lang=de' },
      { hreflang: 'x-default', href: 'https://tales.example/c/mira' },
    ]);
  });

  it('makes API paths absolute on the frontend origin and keeps absolute URLs', () => {
    expect(apiUrl(site, '/api/avatars/a.png')).toBe('https://tales.example/api/avatars/a.png');
    expect(apiUrl(site, 'https://cdn.example/a.png')).toBe('https://cdn.example/a.png');
  });

  it('replaces the copy brand with SITE_NAME', () => {
    expect(brand(site, 'SweetSin — chat | SweetSin')).toBe('Taleforge — chat | Taleforge');
  });
});

describe('text helpers', () => {
  it('cuts snippets at a word boundary', () => {
    expect(snippet('short  text\n')).toBe('short text');
    const cut = snippet('word '.repeat(100), 30);
    expect(cut).toBe('word word word word word…');
    expect(cut.length).toBeLessThanOrEqual(30);
  });

  it('turns blank lines into paragraphs, line breaks into <br> and *actions* into <em>', () => {
    expect(paragraphs('*Waves.* Hi <you>\nsecond line\n\nNext').map(String)).toEqual([
      '<p><em>Waves.</em> Hi &lt;you&gt;<br>second line</p>',
      '<p>Next</p>',
    ]);
  });
});
