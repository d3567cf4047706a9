import {
  applyDecorators,
  Controller,
  Get,
  Param,
  ParseIntPipe,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth/access.decorators.js';
import { LANGUAGES, type Language } from '../common/languages.js';
import { type Cacheable, sendCacheable, streamCacheable } from './http-cache.js';
import { ParseLanguagePipe } from './language.pipe.js';
import { SeoErrorFilter } from './seo-error.filter.js';
import { SeoService } from './seo.service.js';
import { SitemapService } from './sitemap.service.js';

const HTML: Cacheable = { contentType: 'text/html; charset=utf-8', maxAge: 300 };
const SITEMAP: Cacheable = { contentType: 'application/xml; charset=utf-8', maxAge: 3600 };
const FEED: Cacheable = { contentType: 'application/rss+xml; charset=utf-8', maxAge: 900 };
const ROBOTS: Cacheable = { contentType: 'text/plain; charset=utf-8', maxAge: 86400 };

const NOT_MODIFIED = ApiResponse({
  status: 304,
  description: 'If-None-Match matched the ETag: use the cached copy',
});

/** An endpoint answering a document of one media type, cached with a strong ETag. */
const Document = (summary: string, mediaType: string, description?: string) =>
  applyDecorators(
    Public(),
    ApiOperation({ summary, description }),
    ApiProduces(mediaType),
    ApiOkResponse({
      description: `${mediaType}, with Cache-Control and a strong ETag`,
      content: { [mediaType]: { schema: { type: 'string' } } },
    }),
    NOT_MODIFIED,
  );

/** A page for crawlers: HTML in the language of ?lang= (else the page's default). */
const Page = (summary: string) =>
  applyDecorators(
    Document(
      summary,
      'text/html',
      'Server-rendered for crawlers: title, meta description, canonical URL on FRONTEND_URL, ' +
        'hreflang alternates, Open Graph and Twitter tags, JSON-LD. Errors are small HTML pages.',
    ),
    ApiQuery({ name: 'lang', required: false, enum: LANGUAGES }),
    ApiBadRequestResponse({ description: 'lang is not one of the platform languages (HTML)' }),
  );

@ApiTags('seo')
@Controller('seo')
@UseFilters(SeoErrorFilter)
export class SeoController {
  constructor(
    private readonly seo: SeoService,
    private readonly sitemaps: SitemapService,
  ) {}

  @Get('home')
  @Page('Home page')
  async home(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    sendCacheable(req, res, await this.seo.home(lang), HTML);
  }

  @Get('c/:slug')
  @Page("A character's page, in its translation for ?lang= when there is one")
  @ApiParam({ name: 'slug', description: 'The character slug' })
  @ApiNotFoundResponse({
    description: 'No such character, or not public, deleted, without avatar or too thin (HTML)',
  })
  async character(
    @Param('slug') slug: string,
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    sendCacheable(req, res, await this.seo.character(slug, lang), HTML);
  }

  @Get('tags/:slug')
  @Page('Characters with a structured tag, most popular first (noindex below 3 characters)')
  @ApiParam({ name: 'slug', description: 'A structured tag id (GET /api/tags)' })
  @ApiNotFoundResponse({ description: 'Not a structured tag id (HTML)' })
  async tag(
    @Param('slug') slug: string,
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    sendCacheable(req, res, await this.seo.tag(slug, lang), HTML);
  }

  @Get('campaigns')
  @Page('DnD campaign characters (tagged dnd), most popular first (noindex below 3)')
  async campaigns(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    sendCacheable(req, res, await this.seo.campaigns(lang), HTML);
  }

  @Get('faq')
  @Page('Frequently asked questions')
  faq(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    sendCacheable(req, res, this.seo.faq(lang), HTML);
  }

  @Get('about')
  @Page('About the site')
  about(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    sendCacheable(req, res, this.seo.text('about', lang), HTML);
  }

  @Get('terms')
  @Page('Terms of use')
  terms(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    sendCacheable(req, res, this.seo.text('terms', lang), HTML);
  }

  @Get('privacy')
  @Page('Privacy policy')
  privacy(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    sendCacheable(req, res, this.seo.text('privacy', lang), HTML);
  }

  @Get('sitemap.xml')
  @Document(
    'The sitemap, or a sitemap index beyond 50,000 URLs',
    'application/xml',
    'Quality-gated characters with lastmod, the site pages and non-thin tag pages (plus the ' +
      'campaigns page in fiction mode). Streamed; the ETag comes from a checksum of the data.',
  )
  async sitemap(@Req() req: Request, @Res() res: Response): Promise<void> {
    const { etag, chunks } = await this.sitemaps.sitemap();
    await streamCacheable(req, res, etag, chunks, SITEMAP);
  }

  @Get('sitemap-:n.xml')
  @Document(
    'One file of the sitemap index',
    'application/xml',
    'sitemap-1.xml holds the site pages, sitemap-2.xml onwards 50,000 characters each.',
  )
  @ApiParam({ name: 'n', type: Number, description: 'File number, from 1' })
  @ApiBadRequestResponse({ description: 'n is not an integer (HTML)' })
  @ApiNotFoundResponse({ description: 'No such file (HTML)' })
  async sitemapFile(
    @Param('n', ParseIntPipe) n: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { etag, chunks } = await this.sitemaps.sitemapFile(n);
    await streamCacheable(req, res, etag, chunks, SITEMAP);
  }

  @Get('robots.txt')
  @Document('robots.txt for the frontend host', 'text/plain')
  robots(@Req() req: Request, @Res() res: Response): void {
    sendCacheable(req, res, this.seo.robots(), ROBOTS);
  }

  @Get('feed.xml')
  @Document('RSS 2.0 feed of the newest public characters', 'application/rss+xml')
  @ApiQuery({ name: 'lang', required: false, enum: LANGUAGES })
  @ApiBadRequestResponse({ description: 'lang is not one of the platform languages (HTML)' })
  async feed(
    @Query('lang', ParseLanguagePipe) lang: Language | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    sendCacheable(req, res, await this.seo.feed(lang), FEED);
  }
}
