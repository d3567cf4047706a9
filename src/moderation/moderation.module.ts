import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ModerationFlagEntity } from './entities/moderation-flag.entity.js';
import { ModerationFlagRepository } from './moderation-flag.repository.js';
import { ModerationQueueRepository } from './moderation-queue.repository.js';
import { ModerationQueueService } from './moderation-queue.service.js';
import { ModerationService } from './moderation.service.js';

/**
 * Text moderation (built-in rules in seven languages, a provider endpoint when configured),
 * the output scanner, flags and the review queue's reads. It depends on nothing but the
 * common modules, so every feature module may import it (characters now; chat's input and
 * output hooks, images later); the admin routes are in AdminModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ModerationFlagEntity])],
  providers: [
    ModerationFlagRepository,
    ModerationQueueRepository,
    ModerationService,
    ModerationQueueService,
  ],
  exports: [ModerationService, ModerationQueueService],
})
export class ModerationModule {}
