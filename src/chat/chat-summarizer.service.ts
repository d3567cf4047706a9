import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { LlmService } from '../llm/llm.service.js';
import { ChatRepository } from './chat.repository.js';
import { estimateTokens } from './storytelling/lorebook.js';
import {
  buildSummaryPrompt,
  foldableCount,
  SUMMARY_TIMEOUT_MS,
  SUMMARY_TRIGGER_MESSAGES,
} from './storytelling/summarizer.js';

/** A claim outlives the request's timeout, so it only lapses when its holder died. */
const LEASE_SECONDS = Math.ceil((SUMMARY_TIMEOUT_MS * 4) / 1000);
/**
 * One summary request folds in at most this much text: a chat that grew long before it was
 * summarized (or while the providers were down) catches up over the next replies instead of
 * sending a request no free model can take.
 */
const MAX_FOLD_TOKENS = 12_000;
/** Messages read for one summary: a long unsummarized tail is not read whole every reply. */
const MAX_FOLD_MESSAGES = 500;
/** Summaries one instance writes at once; more triggers wait for a later reply. */
const MAX_CONCURRENT = 3;

export interface SummaryNames {
  /** The character's name in the chat's language. */
  character: string;
  /** The persona's name, or a stand-in for the user. */
  user: string;
}

/**
 * Folds the older messages of long chats into `chat.summary` (spec: summarizer.py), after a
 * reply has been sent: nobody waits for it and a failure only means no new summary this time
 * (the next reply tries again). A claim on the chat row makes concurrent triggers, on any
 * instance, produce one summary.
 */
@Injectable()
export class ChatSummarizer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatSummarizer.name);
  private readonly running = new Set<Promise<unknown>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly chats: ChatRepository,
    private readonly llm: LlmService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Summarizes in the background when the chat needs it; never throws. */
  trigger(chatId: string, names: SummaryNames): void {
    // A burst (a deploy meeting many long chats) must not flood the free providers' limits.
    if (this.closing.signal.aborted || this.running.size >= MAX_CONCURRENT) return;
    const task = this.summarize(chatId, names)
      .catch((error: unknown) => {
        this.logger.warn(`Chat ${chatId} not summarized: ${(error as Error)?.message ?? error}`);
      })
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Lets summaries in flight end (aborted) while the database is still there. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing.abort(new Error('the server is shutting down'));
    await Promise.allSettled([...this.running]);
  }

  /** True when a new summary was saved. */
  async summarize(chatId: string, names: SummaryNames): Promise<boolean> {
    const order = this.config.chat.summaryProviderOrder;
    // Checked before claiming: without a summary provider there is nothing to try.
    const providers = await this.llm.availableProviders(order);
    if (providers.length === 0) return false;
    // Nor, with the day's background budget spent, anything to pay for it.
    if (!(await this.llm.backgroundBudgetAvailable())) return false;
    const claim = await this.chats.claimSummary(chatId, SUMMARY_TRIGGER_MESSAGES, LEASE_SECONDS);
    if (!claim) return false;
    let saved = false;
    try {
      const { total, oldest } = await this.chats.unsummarizedMessages(
        chatId,
        claim.summarizedThroughId,
        MAX_FOLD_MESSAGES,
      );
      const older = withinBudget(oldest.slice(0, foldableCount(total)));
      if (older.length === 0) return false;
      const result = await this.llm.generate({
        messages: buildSummaryPrompt(
          claim.summary,
          older.map((message) => ({
            speaker: message.role === 'user' ? names.user : names.character,
            content: message.content,
          })),
          claim.language,
        ),
        // Only providers that are available now: `auto` alone could end at the offline one.
        provider: 'auto',
        providers,
        config: { temperature: 0.3, maxTokens: 1024, language: claim.language },
        signal: AbortSignal.any([AbortSignal.timeout(SUMMARY_TIMEOUT_MS), this.closing.signal]),
        // Work besides the reply: it stops when the day's background budget is spent.
        background: true,
      });
      const summary = result.content.trim();
      if (!summary) throw new Error(`${result.provider}/${result.model} wrote an empty summary`);
      saved = await this.chats.saveSummary(
        chatId,
        summary,
        older[older.length - 1].id,
        claim.summarizedThroughId,
      );
      return saved;
    } finally {
      if (!saved) await this.chats.releaseSummaryClaim(chatId, claim.until);
    }
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
