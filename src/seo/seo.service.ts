import { Injectable, NotFoundException } from '@nestjs/common';
import { isSystemEmail } from '../auth/system-accounts.js';
import { UsersService } from '../auth/users.service.js';
import { CatalogueCache, type CachedResponse } from '../characters/catalogue-cache.service.js';
import { isStructuredTagId } from '../characters/lib/structured-tags.js';
import {
  type CatalogueCounts,
  PublicCatalogueService,
  type PublicCharacter,
} from '../characters/public-catalogue.service.js';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../common/languages.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { type Copy, copyFor, fill, mapCopy } from './copy/copy.js';
import { robotsTxt, rssFeed } from './feeds.js';
import { readableCharacter } from './lib/public-text.js';
import { brand, PATHS, type Site, siteFrom } from './lib/site.js';
import {
  type CharacterPageData,
  characterPage,
  faqPage,
  homePage,
  listingPage,
  MIN_LISTING_SIZE,
  type PageContext,
  tagLabel,
  type TextPageKey,
  textPage,
} from './pages.js';

/** Characters on a listing page, on the home page, in the feed, and related ones on a page. */
const LISTING_SIZE = 48;
const HOME_SIZE = 24;
const FEED_SIZE = 50;
const RELATED_SIZE = 6;
const TAG_COUNTS_TTL_MS = 5 * 60_000;

/**
 * Server-rendered pages, robots.txt and the RSS feed for crawlers. Every character is made
 * readable (readableCharacter) as it comes from the catalogue, so no page, feed or JSON-LD
 * shows a `{{char}}`.
 */
@Injectable()
export class SeoService {
  private readonly site: Site;
  /** Each language's copy, branded with SITE_NAME once. */
  private readonly copies: ReadonlyMap<Language, Copy>;
  private cachedCounts?: { counts: Promise<CatalogueCounts>; expiresAt: number };

  constructor(
    private readonly catalogue: PublicCatalogueService,
    private readonly users: UsersService,
    private readonly cache: CatalogueCache,
    @InjectConfig() config: AppConfig,
  ) {
    this.site = siteFrom(config);
    this.copies = new Map(
      LANGUAGES.map((lang) => [lang, mapCopy(copyFor(lang), (text) => brand(this.site, text))]),
    );
  }

  /**
   * The pages built from the catalogue are the same for every visitor: each is kept in the
   * CatalogueCache (counters lag its TTL, anything else changes at once), keyed by what it is
   * built from. A 404 is not kept.
   */
  home(lang: Language = DEFAULT_LANGUAGE): Promise<CachedResponse> {
    return this.cache.remember(`seo:home:${lang}`, () => this.buildHome(lang));
  }

  character(slug: string, lang?: Language): Promise<CachedResponse> {
    const key = `seo:c:${slug.toLowerCase()}:${lang ?? ''}`;
    return this.cache.remember(key, () => this.buildCharacter(slug, lang));
  }

  tag(id: string, lang: Language = DEFAULT_LANGUAGE): Promise<CachedResponse> {
    return this.cache.remember(`seo:tag:${id}:${lang}`, () => this.buildTag(id, lang));
  }

  campaigns(lang: Language = DEFAULT_LANGUAGE): Promise<CachedResponse> {
    return this.cache.remember(`seo:campaigns:${lang}`, () => this.buildCampaigns(lang));
  }

  feed(lang: Language = DEFAULT_LANGUAGE): Promise<CachedResponse> {
    return this.cache.remember(`seo:feed:${lang}`, () => this.buildFeed(lang));
  }

  private async buildHome(lang: Language): Promise<string> {
    const [popular, counts] = await Promise.all([
      this.catalogue.popular(lang, HOME_SIZE).then(this.readable),
      this.tagCounts(),
    ]);
    const tags = [...counts.byTag]
      .filter(([id, count]) => isStructuredTagId(id) && count >= MIN_LISTING_SIZE)
      .map(([id]) => id)
      .sort((a, b) => tagLabel(a, lang).localeCompare(tagLabel(b, lang), lang));
    return homePage(this.context(lang), popular, tags);
  }

  /**
   * A character's page in `lang` when it is translated into it; otherwise in its original
   * language (whose URL is then the canonical one). Characters the quality gate keeps out are
   * a 404, exactly like characters that do not exist.
   */
  private async buildCharacter(slug: string, lang?: Language): Promise<string> {
    const found = await this.catalogue.findBySlug(slug, lang);
    if (!found) throw new NotFoundException('Character not found');
    const [author, related] = await Promise.all([
      this.author(found),
      this.catalogue.related(found, RELATED_SIZE).then(this.readable),
    ]);
    const [character] = this.readable([found]);
    return characterPage(this.context(character.language), { character, author, related });
  }

  private async buildTag(id: string, lang: Language): Promise<string> {
    if (!isStructuredTagId(id)) throw new NotFoundException('Tag not found');
    const characters = this.readable(await this.catalogue.byStructuredTag(id, lang, LISTING_SIZE));
    const words = this.copies.get(lang)!.tag;
    const label = tagLabel(id, lang);
    return listingPage(
      this.context(lang),
      {
        path: PATHS.tag(id),
        title: fill(words.title, { tag: label }),
        description: fill(words.description, { tag: label }),
        h1: fill(words.h1, { tag: label }),
        intro: fill(words.intro, { tag: label }),
      },
      characters,
    );
  }

  private async buildCampaigns(lang: Language): Promise<string> {
    const characters = this.readable(await this.catalogue.campaigns(lang, LISTING_SIZE));
    return listingPage(
      this.context(lang),
      { path: PATHS.campaigns, ...this.copies.get(lang)!.campaigns },
      characters,
    );
  }

  faq(lang: Language = DEFAULT_LANGUAGE): string {
    return faqPage(this.context(lang));
  }

  text(key: TextPageKey, lang: Language = DEFAULT_LANGUAGE): string {
    return textPage(this.context(lang), key);
  }

  robots(): string {
    return robotsTxt(this.site);
  }

  private async buildFeed(lang: Language): Promise<string> {
    const characters = this.readable(await this.catalogue.newest(lang, FEED_SIZE));
    return rssFeed(this.context(lang), characters);
  }

  /**
   * Characters per tag, for the home page's theme links: counting scans every gated
   * character, too much for each page view, and a theme link may well appear minutes late.
   */
  private tagCounts(now = Date.now()): Promise<CatalogueCounts> {
    if (this.cachedCounts && this.cachedCounts.expiresAt > now) return this.cachedCounts.counts;
    const counts = this.catalogue.counts();
    this.cachedCounts = { counts, expiresAt: now + TAG_COUNTS_TTL_MS };
    counts.catch(() => {
      if (this.cachedCounts?.counts === counts) this.cachedCounts = undefined;
    });
    return counts;
  }

  /** Characters with their macros expanded, `{{user}}` in each one's text language. */
  private readonly readable = (characters: PublicCharacter[]): PublicCharacter[] =>
    characters.map((c) => readableCharacter(c, this.copies.get(c.language)!.you));

  private context(lang: Language): PageContext {
    return { site: this.site, lang, copy: this.copies.get(lang)! };
  }

  /** The creator by display name; the site itself for its own accounts and unnamed users. */
  private async author(character: PublicCharacter): Promise<CharacterPageData['author']> {
    const owner = await this.users.findById(character.ownerId);
    return owner?.displayName && !isSystemEmail(owner.email)
      ? { type: 'Person', name: owner.displayName }
      : { type: 'Organization' };
  }
}
