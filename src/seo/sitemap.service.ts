import { Injectable, NotFoundException } from '@nestjs/common';
import { isStructuredTagId } from '../characters/lib/structured-tags.js';
import { CatalogueCache } from '../characters/catalogue-cache.service.js';
import { PublicCatalogueService } from '../characters/public-catalogue.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import {
  characterSitemapUrls,
  MAX_SITEMAP_URLS,
  sitemapIndex,
  sitemapUrl,
  URLSET_CLOSE,
  URLSET_OPEN,
} from './feeds.js';
import { strongEtag } from './http-cache.js';
import { PATHS, type Site, siteFrom } from './lib/site.js';
import { MIN_LISTING_SIZE } from './pages.js';

/** A sitemap response: its validator, known before the first byte, and its body in pieces. */
export interface SitemapBody {
  etag: string;
  chunks: AsyncIterable<string>;
}

type SitemapChecksum = Awaited<ReturnType<PublicCatalogueService['sitemapChecksum']>>;

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}

/**
 * sitemap.xml: one file while the site has at most 50,000 URLs, else an index of
 * sitemap-1.xml (the site's own pages) and sitemap-2.xml… (characters, 50,000 each, oldest
 * first so new characters only ever change the last file). Character URLs are streamed in
 * keyset pages, so memory does not grow with the catalogue.
 */
@Injectable()
export class SitemapService {
  private readonly site: Site;
  private checksumRunning?: Promise<SitemapChecksum>;
  private countsRunning?: ReturnType<PublicCatalogueService['counts']>;

  constructor(
    private readonly catalogue: PublicCatalogueService,
    private readonly cache: CatalogueCache,
    @InjectConfig() config: AppConfig,
  ) {
    this.site = siteFrom(config);
  }

  async sitemap(): Promise<SitemapBody> {
    const [{ count, checksum }, sitePages] = await Promise.all([
      this.checksum(),
      this.sitePageUrls(),
    ]);
    if (sitePages.length + count <= MAX_SITEMAP_URLS) {
      return {
        etag: this.etag('sitemap', checksum),
        chunks: this.urlset(sitePages.join(''), 0, count),
      };
    }
    return {
      etag: this.etag('index', checksum),
      chunks: single(sitemapIndex(this.site, 1 + Math.ceil(count / MAX_SITEMAP_URLS))),
    };
  }

  /** File n of the index (1-based); a number past the last file is a 404. */
  async sitemapFile(n: number): Promise<SitemapBody> {
    const { count, checksum } = await this.checksum();
    if (n === 1) {
      return {
        etag: this.etag('file-1', checksum),
        chunks: this.urlset((await this.sitePageUrls()).join(''), 0, 0),
      };
    }
    const start = (n - 2) * MAX_SITEMAP_URLS;
    if (n < 1 || start >= count) throw new NotFoundException(`There is no sitemap-${n}.xml`);
    return {
      etag: this.etag(`file-${n}`, checksum),
      chunks: this.urlset('', start, MAX_SITEMAP_URLS),
    };
  }

  private async *urlset(head: string, start: number, count: number): AsyncGenerator<string> {
    yield URLSET_OPEN + head;
    if (count > 0) {
      for await (const entries of this.catalogue.sitemapEntries(start, count)) {
        yield characterSitemapUrls(this.site, entries);
      }
    }
    yield URLSET_CLOSE;
  }

  /**
   * The site's own indexable pages: home, FAQ, about, terms, privacy, tag pages that are not
   * thin, and in fiction mode the campaigns page (when not thin either).
   */
  private async sitePageUrls(): Promise<string[]> {
    this.countsRunning ??= this.catalogue.counts().finally(() => (this.countsRunning = undefined));
    const counts = await this.countsRunning;
    const origin = this.site.origin;
    const paths: string[] = [PATHS.home, PATHS.faq, PATHS.about, PATHS.terms, PATHS.privacy];
    if (this.site.mode === 'fiction' && counts.campaigns >= MIN_LISTING_SIZE) {
      paths.push(PATHS.campaigns);
    }
    for (const [id, count] of [...counts.byTag].sort(([a], [b]) => a.localeCompare(b))) {
      if (isStructuredTagId(id) && count >= MIN_LISTING_SIZE) paths.push(PATHS.tag(id));
    }
    return paths.map((path) => sitemapUrl(`${origin}${path}`).value);
  }

  /**
   * The catalogue's checksum: a scan of every gated character (~300 ms at 100,000), kept in
   * the CatalogueCache like the pages built from the same rows (dropped on any change of a
   * listed character; counters lag its TTL), so a flood of sitemap requests, conditional or
   * not, costs no scan each. Requests arriving while it is computed (crawlers fetch the index
   * and its files together) share one scan, with the cache off too.
   */
  private checksum(): Promise<SitemapChecksum> {
    this.checksumRunning ??= this.cache
      .remember('seo:sitemap-checksum', async () =>
        JSON.stringify(await this.catalogue.sitemapChecksum()),
      )
      .then(({ body }) => JSON.parse(body) as SitemapChecksum)
      .finally(() => (this.checksumRunning = undefined));
    return this.checksumRunning;
  }

  /** Everything a sitemap body is built from: the catalogue's checksum and the site settings. */
  private etag(kind: string, checksum: string): string {
    return strongEtag([kind, checksum, this.site.origin, this.site.mode].join('\n'));
  }
}
