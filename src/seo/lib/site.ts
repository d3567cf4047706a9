import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../../common/languages.js';
import type { AppConfig } from '../../config/configuration.js';

/** The deployment SEO output speaks for (SITE_NAME, SITE_MODE, FRONTEND_URL). */
export interface Site {
  name: string;
  mode: 'default' | 'fiction';
  /** FRONTEND_URL without a trailing slash. */
  origin: string;
}

export const siteFrom = (config: AppConfig): Site => ({
  name: config.site.name,
  mode: config.site.mode,
  origin: config.frontendUrl.replace(/\/+$/, ''),
});

/** The brand the copy is written with; replaced by SITE_NAME at render time (spec: _brand()). */
const COPY_BRAND = 'SweetSin';

export const brand = (site: Site, text: string): string =>
  text.replaceAll(COPY_BRAND, () => site.name);

/**
 * Frontend paths of the pages SEO renders: the frontend serves these to browsers and hands
 * crawlers the matching /api/seo page, so canonical URLs and links point here.
 */
export const PATHS = {
  home: '/',
  character: (slug: string) => `/c/${encodeURIComponent(slug)}`,
  chat: (slug: string) => `/chat/${encodeURIComponent(slug)}`,
  tag: (id: string) => `/tags/${encodeURIComponent(id)}`,
  faq: '/faq',
  about: '/about',
  terms: '/terms',
  privacy: '/privacy',
  campaigns: '/campaigns',
} as const;

/**
 * Absolute URL of a page in a language. The page's default language (the site's, or a
 * character's original language) has the bare URL, which is also x-default; the others add
 * ?lang=. One URL per language keeps canonical and hreflang free of duplicates.
 */
export function pageUrl(
  site: Site,
  path: string,
  lang: Language,
  defaultLanguage: Language = DEFAULT_LANGUAGE,
): string {
  return `${site.origin}${path}${lang === defaultLanguage ? '' : `?lang=${lang}`}`;
}

/** Paths the API serves (avatars, feeds) as crawlers reach them: through the frontend's /api proxy. */
export const apiUrl = (site: Site, path: string): string =>
  /^https?:\/\//.test(path) ? path : `${site.origin}${path.startsWith('/') ? '' : '/'}${path}`;

export interface Alternate {
  hreflang: string;
  href: string;
}

/** hreflang links for the languages a page exists in, plus x-default (the bare URL). */
export function alternates(
  site: Site,
  path: string,
  languages: readonly Language[],
  defaultLanguage: Language = DEFAULT_LANGUAGE,
): Alternate[] {
  return [
    ...LANGUAGES.filter((lang) => languages.includes(lang)).map((lang) => ({
      hreflang: lang,
      href: pageUrl(site, path, lang, defaultLanguage),
    })),
    { hreflang: 'x-default', href: pageUrl(site, path, defaultLanguage, defaultLanguage) },
  ];
}

/** Open Graph locales (language_TERRITORY) of the platform's languages. */
export const OG_LOCALES: Readonly<Record<Language, string>> = {
  ru: 'ru_RU',
  en: 'en_US',
  es: 'es_ES',
  fr: 'fr_FR',
  de: 'de_DE',
  pt: 'pt_BR',
  it: 'it_IT',
};
