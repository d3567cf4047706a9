import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CharactersModule } from '../characters/characters.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { ModerationModule } from '../moderation/moderation.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { AdminAlertRepository } from './admin-alert.repository.js';
import { AdminAlerts } from './admin-alerts.service.js';
import { AUTONOMOUS_TASKS, type AutonomousTask } from './autonomous-task.js';
import { AutonomousController } from './autonomous.controller.js';
import { AvatarPainter } from './avatar-painter.js';
import { ErrorNotifier } from './error-notifier.service.js';
import { LlmAlertMonitor } from './llm-alerts.service.js';
import { SchedulerRepository } from './scheduler.repository.js';
import { SchedulerService } from './scheduler.service.js';
import { CharacterGeneratorTask } from './tasks/character-generator.task.js';
import { CleanupTask } from './tasks/cleanup.task.js';
import { CounterGrowthTask } from './tasks/counter-growth.task.js';
import { HighlightsTask } from './tasks/highlights.task.js';
import { ModelMonitorTask } from './tasks/model-monitor.task.js';
import { NotificationsTask } from './tasks/notifications.task.js';
import { RelationshipsTask } from './tasks/relationships.task.js';

/** In the order an hourly check runs them (spec: scheduler.py's task list). */
const TASKS = [
  CharacterGeneratorTask,
  CounterGrowthTask,
  HighlightsTask,
  RelationshipsTask,
  CleanupTask,
  ModelMonitorTask,
  NotificationsTask,
];

/**
 * Scheduled daily and weekly jobs that keep the catalogue alive, their admin endpoints
 * (/api/admin/tasks), and what is mailed to admins: the error digest, crash reports, and
 * alerts (LLM outage and failure rate, failing tasks). Works on the catalogue and on chats
 * only through the characters and chat modules' exported services.
 */
@Module({
  imports: [
    AuthModule,
    LlmModule,
    CharactersModule,
    ChatModule,
    NotificationsModule,
    ModerationModule,
  ],
  controllers: [AutonomousController],
  providers: [
    ...TASKS,
    { provide: AUTONOMOUS_TASKS, inject: TASKS, useFactory: (...tasks: AutonomousTask[]) => tasks },
    AvatarPainter,
    SchedulerRepository,
    SchedulerService,
    ErrorNotifier,
    AdminAlertRepository,
    AdminAlerts,
    LlmAlertMonitor,
  ],
})
export class AutonomousModule {}
