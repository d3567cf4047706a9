import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { RowChangesModule } from '../common/row-changes/row-change-feed.js';
import { LlmModule } from '../llm/llm.module.js';
import { ModerationModule } from '../moderation/moderation.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { AnonymousCatalogueInterceptor } from './anonymous-catalogue.interceptor.js';
import { CatalogueCache } from './catalogue-cache.service.js';
import { AvatarStorage } from './avatar-storage.js';
import { AvatarSweepService } from './avatar-sweep.service.js';
import { AvatarsController } from './avatars.controller.js';
import { CardsController } from './cards.controller.js';
import { CardExportSlots } from './card-export-slots.js';
import { CardsService } from './cards.service.js';
import { CatalogueMaintenanceRepository } from './catalogue-maintenance.repository.js';
import { CatalogueMaintenanceService } from './catalogue-maintenance.service.js';
import { CatalogueExtrasController } from './catalogue-extras.controller.js';
import { CharacterReviewRepository } from './character-review.repository.js';
import { CharacterReviewService } from './character-review.service.js';
import { CharactersController } from './characters.controller.js';
import { CharactersRepository } from './characters.repository.js';
import { CharactersService } from './characters.service.js';
import { DraftService } from './draft.service.js';
import { EngagementService } from './engagement.service.js';
import { CharacterEntity } from './entities/character.entity.js';
import { FavoriteEntity } from './entities/favorite.entity.js';
import { PageViewEntity } from './entities/page-view.entity.js';
import { PersonaEntity } from './entities/persona.entity.js';
import { CharacterRelationEntity } from './entities/relation.entity.js';
import { ReportEntity } from './entities/report.entity.js';
import { VoteEntity } from './entities/vote.entity.js';
import { PageViewsRepository } from './page-views.repository.js';
import { PageViewsService } from './page-views.service.js';
import { PersonasController } from './personas.controller.js';
import { PersonasRepository } from './personas.repository.js';
import { PersonasService } from './personas.service.js';
import { PublicCatalogueRepository } from './public-catalogue.repository.js';
import { PublicCatalogueService } from './public-catalogue.service.js';
import { ReportsRepository } from './reports.repository.js';
import { ReportsService } from './reports.service.js';
import { StarterCharactersRepository } from './starter-characters.repository.js';
import { StarterCharactersService } from './starter-characters.service.js';
import { TranslationService } from './translation.service.js';
import { SignalsModule } from '../common/signals/pg-channels.service.js';

/** The catalogue and everything users do with characters and personas. */
@Module({
  imports: [
    AuthModule,
    RowChangesModule,
    SignalsModule,
    LlmModule,
    ModerationModule,
    NotificationsModule,
    TypeOrmModule.forFeature([
      CharacterEntity,
      FavoriteEntity,
      VoteEntity,
      PersonaEntity,
      CharacterRelationEntity,
      ReportEntity,
      PageViewEntity,
    ]),
  ],
  controllers: [
    CardsController,
    CharactersController,
    PersonasController,
    CatalogueExtrasController,
    AvatarsController,
  ],
  providers: [
    AnonymousCatalogueInterceptor,
    AvatarStorage,
    AvatarSweepService,
    CatalogueCache,
    CardExportSlots,
    CardsService,
    CharactersRepository,
    CharactersService,
    DraftService,
    TranslationService,
    EngagementService,
    PersonasRepository,
    PersonasService,
    ReportsRepository,
    ReportsService,
    PublicCatalogueRepository,
    PublicCatalogueService,
    PageViewsRepository,
    PageViewsService,
    CatalogueMaintenanceRepository,
    CatalogueMaintenanceService,
    StarterCharactersRepository,
    StarterCharactersService,
    CharacterReviewRepository,
    CharacterReviewService,
  ],
  exports: [
    CatalogueCache,
    CharactersService,
    CharacterReviewService,
    PersonasService,
    ReportsService,
    PublicCatalogueService,
    PageViewsService,
    CatalogueMaintenanceService,
  ],
})
export class CharactersModule {}
