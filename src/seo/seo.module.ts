import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CharactersModule } from '../characters/characters.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { SeoController } from './seo.controller.js';
import { SeoService } from './seo.service.js';
import { SitemapService } from './sitemap.service.js';
import { StatsController } from './stats.controller.js';
import { StatsService } from './stats.service.js';

/**
 * What crawlers read (server-rendered pages, sitemap, robots.txt, RSS) and the public stats.
 * It reads characters only through PublicCatalogueService, so nothing outside the quality gate
 * can reach its output.
 */
@Module({
  imports: [AuthModule, CharactersModule, ChatModule],
  controllers: [SeoController, StatsController],
  providers: [SeoService, SitemapService, StatsService],
})
export class SeoModule {}
