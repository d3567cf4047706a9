import { Injectable } from '@nestjs/common';
import { ProactiveMessagesService } from '../../chat/proactive/proactive-messages.service.js';
import { DigestService } from '../../notifications/digest.service.js';
import type { AutonomousTask, TaskResult } from '../autonomous-task.js';

/**
 * Hourly: queues the digest mails due (weekly, creators' daily; one job per user and period)
 * and the proactive messages of chats whose users have been away long enough (one job per
 * chat and absence). The jobs do the work; this only queues.
 */
@Injectable()
export class NotificationsTask implements AutonomousTask {
  readonly name = 'notifications';
  readonly description =
    'Queues digest mails due (weekly, creators’ daily) and proactive character messages of chats whose users have been away';
  readonly intervalMs = 60 * 60_000;

  constructor(
    private readonly digests: DigestService,
    private readonly proactive: ProactiveMessagesService,
  ) {}

  async run(): Promise<TaskResult> {
    const digests = await this.digests.enqueueDue();
    return {
      weekly_digests_queued: digests.weekly,
      creator_digests_queued: digests.creator_daily,
      proactive_messages_queued: await this.proactive.enqueueDue(),
    };
  }
}
