import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AutonomousModule } from './autonomous/autonomous.module.js';
import { CharactersModule } from './characters/characters.module.js';
import { ChatModule } from './chat/chat.module.js';
import { EventsModule } from './common/events/events.module.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { JobsModule } from './common/jobs/jobs.module.js';
import { ShutdownModule } from './common/lifecycle/shutdown-deadline.js';
import { MailModule } from './common/mail/mail.module.js';
import { OperationsModule } from './common/operations.module.js';
import { RedisModule } from './common/redis/redis.module.js';
import { SettingsModule } from './common/settings/settings.module.js';
import { AppConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/configuration.js';
import { DatabaseModule } from './database/database.module.js';
import { LlmModule } from './llm/llm.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { SeoModule } from './seo/seo.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        ShutdownModule,
        ScheduleModule.forRoot(),
        OperationsModule,
        SettingsModule,
        MailModule,
        RedisModule,
        EventsModule,
        JobsModule,
        AuthModule,
        LlmModule,
        NotificationsModule,
        CharactersModule,
        ChatModule,
        AdminModule,
        SeoModule,
        AutonomousModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
