import type { Language } from '../../common/languages.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { it } from './it.js';
import { pt } from './pt.js';
import { ru } from './ru.js';

/** A title, meta description and heading; `{…}` placeholders are filled by `fill`. */
export interface PageCopy {
  title: string;
  description: string;
  h1: string;
}

export interface TextPageCopy extends PageCopy {
  paragraphs: string[];
}

export interface FaqItem {
  question: string;
  answer: string;
}

/** Per SITE_MODE: 'default' or 'fiction'. */
export interface ByMode<T> {
  default: T;
  fiction: T;
}

/**
 * The words of every SEO page in one language. Written with the brand "SweetSin", which
 * `brand()` replaces with SITE_NAME at render time.
 */
export interface Copy {
  /** Stands in for {{user}} in greetings. */
  you: string;
  nav: Record<'home' | 'faq' | 'about' | 'terms' | 'privacy' | 'campaigns', string>;
  home: ByMode<PageCopy & { intro: string }> & { popular: string; browseTags: string };
  character: {
    /** {name} */
    title: string;
    /** Six wordings each, chosen by a hash of the slug; {name}. */
    headings: readonly [string, string, string, string, string, string];
    ctas: readonly [string, string, string, string, string, string];
    sections: Record<
      | 'about'
      | 'greeting'
      | 'personality'
      | 'scenario'
      | 'appearance'
      | 'highlights'
      | 'tags'
      | 'related',
      string
    >;
    chats: string;
    likes: string;
    otherLanguages: string;
  };
  /** {tag} */
  tag: PageCopy & { intro: string };
  campaigns: PageCopy & { intro: string };
  empty: string;
  faq: PageCopy & { items: FaqItem[] };
  about: TextPageCopy;
  terms: TextPageCopy;
  privacy: TextPageCopy;
  feed: ByMode<{ title: string; description: string }>;
  organization: ByMode<string>;
  website: ByMode<string>;
  software: ByMode<string>;
}

const COPY: Readonly<Record<Language, Copy>> = { ru, en, es, fr, de, pt, it };

export const copyFor = (lang: Language): Copy => COPY[lang];

/** Languages by their own names, for language links. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  ru: 'Русский',
  en: 'English',
  es: 'Español',
  fr: 'Français',
  de: 'Deutsch',
  pt: 'Português',
  it: 'Italiano',
};

/** Replaces `{key}` placeholders. */
export const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match);

/** The copy with `rename` applied to every string in it (SITE_NAME branding, once at start). */
export function mapCopy<T>(value: T, rename: (text: string) => string): T {
  if (typeof value === 'string') return rename(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapCopy(item, rename)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapCopy(item, rename)]),
    ) as T;
  }
  return value;
}
