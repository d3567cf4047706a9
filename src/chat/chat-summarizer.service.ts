import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { BackgroundBudgetSpentError } from '../llm/llm.errors.js';
import { LlmService } from '../llm/llm.service.js';
import { ChatRepository } from './chat.repository.js';
import { MessageRepository } from './message.repository.js';
import { estimateTokens } from './storytelling/lorebook.js';
import {
  buildSummaryPrompt,
  foldableCount,
  SUMMARY_TIMEOUT_MS,
} from './storytelling/summarizer.js';

export const SUMMARY_JOB = 'chat.summarize';
/** A failed summary is tried again with backoff, then left for the next reply's trigger. */
const SUMMARY_ATTEMPTS = 3;
/** With no summary provider available, the job waits this long without using an attempt. */
/**
 * One summary request folds in at most this much text: a chat that grew long before it was
 * summarized (or while the providers were down) catches up over the next replies instead of
 * sending a request no free model can take.
 */
const MAX_FOLD_TOKENS = 12_000;
/** Messages read for one summary: a long unsummarized tail is not read whole every reply. */
const MAX_FOLD_MESSAGES = 500;

export interface SummaryNames {
  /** The character's name in the chat's language (a group chat's: its lead's). */
  character: string;
  /** The persona's name, or a stand-in for the user. */
  user: string;
  /** A group chat's members' names by id, for who said which line. */
  characters?: Record<string, string>;
}

interface SummaryJob {
  chatId: string;
  names: SummaryNames;
}

/**
 * Folds the older messages of long chats into `chat.summary` (spec: summarizer.py), after a
 * reply has been sent: nobody waits for it. Each trigger queues a `chat.summarize` job, at
 * most one pending per chat however many replies trigger it, and the job queue runs it (one
 * job at a time per instance, retried with backoff when the providers fail). Should two
 * instances summarize a chat at once, the save's boundary check keeps only the first.
 */
@Injectable()
export class ChatSummarizer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatSummarizer.name);
  private readonly closing = new AbortController();

  constructor(
    private readonly chats: ChatRepository,
    private readonly messages: MessageRepository,
    private readonly llm: LlmService,
    private readonly jobs: JobQueue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<SummaryJob>(SUMMARY_JOB, ({ chatId, names }) =>
      this.summarize(chatId, names).then(() => undefined),
    );
    const summaryOrder = this.config.chat.summaryProviderOrder;
    if (this.llm.backgroundOrder(summaryOrder) !== summaryOrder) {
      this.logger.warn(
        `SUMMARY_PROVIDER_ORDER (${summaryOrder.join(', ')}) names no configured provider: ` +
          `summaries use LLM_PROVIDER_ORDER (${this.config.llm.providerOrder.join(', ')}), ` +
          'as chat replies do',
      );
    }
  }

  /** Queues a summary of the chat, when it needs one by the time it runs; never throws. */
  trigger(chatId: string, names: SummaryNames): void {
    const job: SummaryJob = { chatId, names };
    this.jobs
      .enqueue(SUMMARY_JOB, job, { dedupeKey: chatId, maxAttempts: SUMMARY_ATTEMPTS })
      .catch((error: Error) => {
        this.logger.warn(`Chat ${chatId}: summary not queued: ${error.message}`);
      });
  }

  /** Ends a summary in flight (aborted, so its job is retried later) at shutdown. */
  beforeApplicationShutdown(): void {
    this.closing.abort(new Error('the server is shutting down'));
  }

  /**
   * The job: true when a new summary was saved; false when there was nothing to do (the chat
   * is gone or short enough, the day's background budget is spent, or another run saved
   * first). Throws when the providers fail, so the queue retries.
   */
  async summarize(chatId: string, names: SummaryNames): Promise<boolean> {
    // SUMMARY_PROVIDER_ORDER, or the chats' order. With the day's background budget spent,
    // summaries are skipped, not saved up: the first reply of the next day triggers again.
    const providers = await this.llm.backgroundProviders(
      this.config.chat.summaryProviderOrder,
      'summary',
    );
    if (!providers) return false;
    const state = await this.chats.summaryState(chatId);
    if (!state) return false;
    const { total, oldest } = await this.messages.unsummarized(
      chatId,
      state.summarizedThroughId,
      MAX_FOLD_MESSAGES,
    );
    const older = withinBudget(oldest.slice(0, foldableCount(total)));
    if (older.length === 0) return false;
    let summary: string;
    try {
      const result = await this.llm.generate({
        messages: buildSummaryPrompt(
          state.summary,
          older.map((message) => ({
            speaker:
              message.role === 'user'
                ? names.user
                : ((message.characterId && names.characters?.[message.characterId]) ??
                  names.character),
            content: message.content,
          })),
          state.language,
          state.editedByUser,
        ),
        // Only providers that are available now: `auto` alone could end at the offline one.
        provider: 'auto',
        providers,
        config: { temperature: 0.3, maxTokens: 1024, language: state.language },
        signal: AbortSignal.any([AbortSignal.timeout(SUMMARY_TIMEOUT_MS), this.closing.signal]),
        // Work besides the reply: it stops when the day's background budget is spent.
        background: true,
      });
      summary = result.content.trim();
      if (!summary) throw new Error(`${result.provider}/${result.model} wrote an empty summary`);
    } catch (error) {
      if (error instanceof BackgroundBudgetSpentError) return false;
      throw error;
    }
    return this.chats.saveSummary(
      chatId,
      summary,
      older[older.length - 1].id,
      state.summarizedThroughId,
      state.summary,
    );
  }
}

/** The oldest messages that fit MAX_FOLD_TOKENS (at least one). */
function withinBudget<T extends { content: string }>(messages: T[]): T[] {
  let used = 0;
  let end = 0;
  while (end < messages.length) {
    used += estimateTokens(messages[end].content);
    if (end > 0 && used > MAX_FOLD_TOKENS) break;
    end++;
  }
  return messages.slice(0, end);
}
