import { Injectable, Logger, NotFoundException, type OnModuleInit } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import type { ModerationHit } from '../../moderation/moderation.types.js';
import { UsersService } from '../../auth/users.service.js';
import { JobQueue } from '../../common/jobs/job-queue.service.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { Clock } from '../../llm/clock.js';
import { LlmService } from '../../llm/llm.service.js';
import { NotificationsService } from '../../notifications/notifications.service.js';
import { inQuietHours } from '../../notifications/quiet-hours.js';
import type { ChatCaller } from '../chat-caller.js';
import { ChatModeration } from '../chat-moderation.service.js';
import { ChatRepository } from '../chat.repository.js';
import { GenerationRepository } from '../generation.repository.js';
import { MessageRepository } from '../message.repository.js';
import { ReplyContextService } from '../reply-context.service.js';
import { RoundCasting } from '../round-casting.js';
import { contextLimit } from '../round-job.js';
import { ReplyRegistry } from '../streaming/reply-registry.js';
import { excerptOf, PROACTIVE_INSTRUCTION, PROACTIVE_MAX_TOKENS } from './proactive-instruction.js';
import type { ProactiveChoiceDto } from './proactive.dto.js';
import { ProactiveRepository } from './proactive.repository.js';

export const PROACTIVE_JOB = 'chat.proactive';
/** Chats queued per scheduled run; the rest follow at the next run. */
const CHATS_PER_RUN = 500;
/** The model gets this long; the claim lapses after 30 s without a heartbeat. */
const GENERATION_TIMEOUT_MS = 20_000;
const DAY_MS = 24 * 60 * 60_000;

interface ProactiveJob {
  chatId: string;
  userId: string;
  /** The path's end when the absence was seen: the message the absence began after. */
  leafId: string;
}

/** Why a proactive message was not written (a metric's outcome: `skipped_<why>`). */
type Skip = 'disabled' | 'ineligible' | 'quiet_hours' | 'cap' | 'busy' | 'answered' | 'moderated';

/**
 * Proactive messages (issue #21): when a user has been away from an opted-in chat for the
 * hours it chose, its character writes first. A scheduled task only queues one `chat.proactive`
 * job per chat and absence (dedupe key: the chat and the message the absence began after);
 * the job checks again (kill switch, account, quiet hours in the user's time zone, the daily
 * cap), takes the chat's claim like a round (or skips while one runs), asks the model with the
 * chat's own prompt plus an instruction in its language, screens the text like any reply,
 * saves it on the active path marked `proactive` (not counted against the user's messages or
 * tokens) and raises a notification. Once the path ends with two proactive messages in a row, no more come until
 * the user writes.
 */
@Injectable()
export class ProactiveMessagesService implements OnModuleInit {
  private readonly logger = new Logger(ProactiveMessagesService.name);

  constructor(
    private readonly proactive: ProactiveRepository,
    private readonly chats: ChatRepository,
    private readonly generations: GenerationRepository,
    private readonly messages: MessageRepository,
    private readonly casting: RoundCasting,
    private readonly context: ReplyContextService,
    private readonly registry: ReplyRegistry,
    private readonly llm: LlmService,
    private readonly moderation: ChatModeration,
    private readonly users: UsersService,
    private readonly jobs: JobQueue,
    private readonly settings: SettingsService,
    private readonly notifications: NotificationsService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.jobs.register<ProactiveJob>(PROACTIVE_JOB, async (job) => {
      const outcome = await this.write(job);
      this.metrics.notifications.proactiveMessage(
        outcome === 'sent' ? 'sent' : `skipped_${outcome}`,
      );
    });
  }

  /** The chat's choice; 404 for a chat that is not the user's own (a guest's included). */
  async choice(user: AuthUser, chatId: string): Promise<ProactiveChoiceDto> {
    const choice = await this.proactive.choice(chatId, user.id);
    if (!choice) throw new NotFoundException('Chat not found');
    return { after_hours: choice.hours };
  }

  async choose(user: AuthUser, chatId: string, hours: number | null): Promise<ProactiveChoiceDto> {
    await this.choice(user, chatId);
    await this.proactive.choose(chatId, hours);
    return { after_hours: hours };
  }

  /** Queues a job for every chat whose user is away (the scheduled task); returns how many. */
  async enqueueDue(): Promise<number> {
    if (!(await this.settings.get('proactive_messages_enabled'))) return 0;
    const away = await this.proactive.away(new Date(this.clock.now()), CHATS_PER_RUN);
    for (const chat of away) {
      const job: ProactiveJob = {
        chatId: chat.chat_id,
        userId: chat.user_id,
        leafId: chat.leaf_id,
      };
      await this.jobs.enqueue(PROACTIVE_JOB, job, {
        dedupeKey: `${chat.chat_id}:${chat.leaf_id}`,
        whenIdle: true,
        maxAttempts: 2,
      });
    }
    return away.length;
  }

  /** The job: writes the message, or says why not; a model failure throws (retried once). */
  private async write(job: ProactiveJob): Promise<'sent' | Skip> {
    const now = this.clock.now();
    if (!(await this.settings.get('proactive_messages_enabled'))) return 'disabled';
    if (!(await this.proactive.stillWanted(job.chatId, new Date(now)))) return 'ineligible';
    const prefs = await this.notifications.settingsOf(job.userId);
    if (inQuietHours(now, prefs.timeZone, prefs.quietStart, prefs.quietEnd)) return 'quiet_hours';
    const cap = await this.settings.get('proactive_messages_daily_cap');
    if ((await this.proactive.sentSince(job.userId, new Date(now - DAY_MS))) >= cap) return 'cap';
    const user = await this.users.findById(job.userId);
    const state = await this.chats.findById(job.chatId);
    if (!user || !state) return 'ineligible';
    const { chat } = state;
    const caller: ChatCaller = {
      user: { id: user.id, email: user.email, role: user.role, tier: user.tier },
    };
    const cast = await this.casting.cast(
      {
        kind: chat.kind,
        language: chat.language,
        memberIds: chat.memberIds,
        mutedIds: chat.mutedIds,
        settings: chat.settings,
      },
      {},
      caller,
    );
    const speaker = cast.speakers[0];
    const instanceId = this.registry.instanceId;
    const start = await this.generations.startProactive(chat.id, instanceId);
    if (!start.claimed) return 'busy';
    let saved: number | null = null;
    let content = '';
    let hits: ModerationHit[] = [];
    try {
      // The user wrote (or anything else happened) since the absence was seen: not this time.
      if (start.leafId === null || String(start.leafId) !== job.leafId) return 'answered';
      const history = await this.messages.contextMessages(
        chat.id,
        start.leafId,
        contextLimit(caller),
        chat.summarizedThroughId,
      );
      const prompt = await this.context.build({
        chat,
        character: speaker.character,
        members: cast.members,
        names: cast.names,
        history,
        messageCount: start.messageCount,
        userIsAdult: cast.userIsAdult,
      });
      const result = await this.llm.generate({
        messages: [
          ...prompt.messages,
          { role: 'system', content: PROACTIVE_INSTRUCTION[chat.language] },
        ],
        provider: cast.route.provider,
        providers: cast.route.providers,
        config: {
          ...speaker.config,
          maxTokens: Math.min(
            speaker.config.maxTokens ?? PROACTIVE_MAX_TOKENS,
            PROACTIVE_MAX_TOKENS,
          ),
          ...(cast.route.model ? { model: cast.route.model } : {}),
        },
        signal: AbortSignal.timeout(GENERATION_TIMEOUT_MS),
      });
      content = result.content.trim();
      if (!content) throw new Error('the model wrote nothing');
      // The output scan of every reply: a hard hit keeps nothing (nobody asked: no violation).
      const screen = this.moderation.replyScreen(
        speaker.character.contentRating === 'nsfw',
        () => undefined,
      );
      screen.push(content);
      screen.finish();
      if (screen.refused) return 'moderated';
      hits = screen.hits;
      saved = await this.generations.saveProactive(
        chat.id,
        instanceId,
        {
          characterId: speaker.character.id,
          content,
          status: 'complete',
          modelUsed: `${result.provider}/${result.model}`,
          promptTokens: result.promptTokens,
          completionTokens: result.completionTokens,
          diceRolls: null,
          encounterState: null,
          lorebookEntries: null,
        },
        start.leafId,
        new Date(now),
      );
    } catch (error) {
      this.metrics.notifications.proactiveMessage('failed');
      this.logger.warn(`Proactive message in chat ${chat.id} failed: ${(error as Error).message}`);
      throw error;
    } finally {
      if (saved === null)
        await this.generations.release(chat.id, instanceId).catch(() => undefined);
    }
    // The claim lapsed and another round took the chat: nothing was written.
    if (saved === null) return 'busy';
    if (hits.length > 0) {
      await this.moderation.flagReply({
        messageId: saved,
        chatId: chat.id,
        characterId: speaker.character.id,
        hits,
      });
    }
    await this.notifications.proactiveMessage(job.userId, {
      chatId: chat.id,
      messageId: saved,
      character: { id: speaker.character.id, name: cast.names.get(speaker.character.id) ?? '' },
      excerpt: excerptOf(content),
    });
    return 'sent';
  }
}
