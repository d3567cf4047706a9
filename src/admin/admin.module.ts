import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { CharactersModule } from '../characters/characters.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { ModerationModule } from '../moderation/moderation.module.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminBansController } from './admin-bans.controller.js';
import { AdminBansService } from './admin-bans.service.js';
import { AdminCharactersController } from './admin-characters.controller.js';
import { AdminCharactersService } from './admin-characters.service.js';
import { AdminJobsController } from './admin-jobs.controller.js';
import { AdminJobsService } from './admin-jobs.service.js';
import { AdminModerationController } from './admin-moderation.controller.js';
import { AdminModerationService } from './admin-moderation.service.js';
import { AdminPromptsController } from './admin-prompts.controller.js';
import { AdminPromptsService } from './admin-prompts.service.js';
import { AdminReportsController } from './admin-reports.controller.js';
import { AdminReportsService } from './admin-reports.service.js';
import { AdminSettingsController } from './admin-settings.controller.js';
import { AdminSettingsService } from './admin-settings.service.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersService } from './admin-users.service.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AdminAuditEntity } from './entities/admin-audit.entity.js';

/**
 * The admin tools under /api/admin: prompt overrides, settings and provider switches,
 * moderation of reports, accounts, bans, background jobs, and the audit trail of all of it.
 * Every route is @AdminOnly (role read from the database on each request); the data stays with
 * the modules that own it and is reached through their exported services.
 */
@Module({
  imports: [
    AuthModule,
    CharactersModule,
    ChatModule,
    LlmModule,
    ModerationModule,
    TypeOrmModule.forFeature([AdminAuditEntity]),
  ],
  controllers: [
    AdminPromptsController,
    AdminSettingsController,
    AdminReportsController,
    AdminCharactersController,
    AdminUsersController,
    AdminAuditController,
    AdminJobsController,
    AdminBansController,
    AdminModerationController,
  ],
  providers: [
    AuditRepository,
    AuditService,
    AdminPromptsService,
    AdminSettingsService,
    AdminReportsService,
    AdminCharactersService,
    AdminUsersService,
    AdminJobsService,
    AdminBansService,
    AdminModerationService,
  ],
})
export class AdminModule {}
