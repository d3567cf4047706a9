import { Inject, Injectable, Logger } from '@nestjs/common';
import { MessageQuotaService } from '../auth/usage/message-quota.service.js';
import { UsersService } from '../auth/users.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { ChatSummarizer } from './chat-summarizer.service.js';
import { CharacterMemoryService } from './memory/character-memory.service.js';
import { MemoryExtractor } from './memory/memory-extractor.service.js';
import { MessageEmbedder } from './memory/message-embedder.service.js';
import { RETRIEVER, type Retriever } from './memory/retriever.js';
import { type ContextMessage, MessageRepository } from './message.repository.js';
import { GenerationRepository } from './generation.repository.js';
import { type ReplyContext, ReplyContextService } from './reply-context.service.js';
import { replyErrorMessage } from './reply-errors.js';
import { ReplyWriter } from './reply-writer.js';
import { contextLimit, historyEndOf, type RoundJob, type Speaker } from './round-job.js';
import { withContinueNudge } from './storytelling/continue.js';
import { SUMMARY_TRIGGER_MESSAGES } from './storytelling/summarizer.js';
import type { LiveRound } from './streaming/live-round.js';
import { ReplyRegistry } from './streaming/reply-registry.js';

/** What the user is called in summaries when the chat has no persona. */
const USER_SPEAKER = 'User';
/** Recalled passages asked for per prompt (the prompt keeps those that fit its budget). */
const RECALLED = 4;

/**
 * The running round: every speaker in turn streams from the model into the LiveRound (which
 * any client can follow), and its reply is saved as soon as it is complete, whether or not
 * anyone is still listening. A failure ends the round; replies saved so far stay. A round
 * that saves nothing gives the chat and the quota back. Then the tokens are counted and a
 * chat grown long is summarized.
 */
@Injectable()
export class RoundRunner {
  private readonly logger = new Logger(RoundRunner.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly generations: GenerationRepository,
    private readonly users: UsersService,
    private readonly quota: MessageQuotaService,
    private readonly context: ReplyContextService,
    private readonly registry: ReplyRegistry,
    private readonly writer: ReplyWriter,
    private readonly summarizer: ChatSummarizer,
    private readonly notifications: NotificationsService,
    private readonly memories: CharacterMemoryService,
    private readonly extractor: MemoryExtractor,
    private readonly embedder: MessageEmbedder,
    @Inject(RETRIEVER) private readonly retriever: Retriever,
  ) {}

  /**
   * Builds the first speaker's prompt (reading the history unless the caller has it) and
   * starts the round; the chat is claimed, and given back if this throws.
   */
  async start(job: RoundJob, history?: ContextMessage[] | null): Promise<LiveRound> {
    let recent: ContextMessage[];
    let first: ReplyContext;
    // Messages past the summary once the round is saved; unknown when the tier's limit cut
    // the history short. Lets short tails skip the summarizer's look at the database.
    let unsummarized = Infinity;
    try {
      recent =
        history ??
        (await this.messages.contextMessages(
          job.chat.id,
          historyEndOf(job),
          contextLimit(job.caller),
          job.chat.summarizedThroughId,
        ));
      if (recent.length < contextLimit(job.caller)) unsummarized = recent.length;
      first = await this.contextFor(job, job.speakers[0], recent);
    } catch (error) {
      await this.generations.release(job.chat.id, this.registry.instanceId);
      throw error;
    }
    return this.registry.start(job.chat.id, job.chat.kind, (round) =>
      this.run(round, job, recent, first, unsummarized),
    );
  }

  private async contextFor(
    job: RoundJob,
    speaker: Speaker,
    history: ContextMessage[],
  ): Promise<ReplyContext> {
    // A user's memories of the character (guests keep none): one indexed read per speaker.
    const [facts, recalled] = await Promise.all([
      job.caller.user
        ? this.memories.forPrompt(job.caller.user.id, speaker.character.id, job.chat.id)
        : [],
      this.recall(job, history),
    ]);
    const context = await this.context.build({
      facts,
      recalled,
      chat: job.chat,
      character: speaker.character,
      members: job.members,
      names: job.names,
      history,
      messageCount: job.messageCount,
      userIsAdult: job.userIsAdult,
      continuing: job.continuing !== undefined && job.continuing !== null,
    });
    // Continue: the history ends with the reply itself (the speaker's own line); the model is
    // told to carry on from there.
    return job.continuing
      ? { ...context, messages: withContinueNudge(context.messages, job.chat.language) }
      : context;
  }

  /** Lets every speaker answer in turn, then settles the claim and the quota; never throws. */
  private async run(
    round: LiveRound,
    job: RoundJob,
    history: ContextMessage[],
    first: ReplyContext,
    unsummarized: number,
  ): Promise<void> {
    const saved: ContextMessage[] = [];
    let tokens = 0;
    let released = false;
    let lost = false;
    let deleted = false;
    try {
      for (const [index, speaker] of job.speakers.entries()) {
        // Stopped (or shut down) before this character's turn: it does not speak.
        if (round.stopReason) break;
        round.speak(speaker.character.id);
        const context =
          index === 0
            ? first
            : await this.contextFor(
                job,
                speaker,
                [...history, ...saved].slice(-contextLimit(job.caller)),
              );
        const last = index === job.speakers.length - 1;
        const turn = await this.writer.write(
          round,
          job,
          speaker,
          context,
          // The first reply answers the user's message; each next one follows the previous.
          saved.at(-1)?.id ?? historyEndOf(job),
          last,
        );
        if (turn.outcome) round.conclude(turn.outcome);
        tokens += turn.tokens;
        released = turn.released;
        lost = turn.lost;
        deleted = turn.deleted === true;
        if (turn.saved) saved.push(turn.saved);
        if (!turn.saved || lost || turn.outcome?.type !== 'done' || turn.outcome.stopped) break;
      }
    } catch (error) {
      this.logger.error(`Round in chat ${job.chat.id} failed: ${(error as Error).stack ?? error}`);
      round.conclude({
        type: 'error',
        message: replyErrorMessage(error, job.caller.user?.role === 'admin'),
      });
    }
    const answered = saved.length > 0;
    const dropped = !answered && (job.dropUnanswered || deleted);
    try {
      if (!released && !lost) {
        if (!answered && job.dropUnanswered) {
          await this.generations.abandonStart(
            job.chat.id,
            this.registry.instanceId,
            historyEndOf(job),
            job.chat.updatedAt,
          );
        } else await this.generations.release(job.chat.id, this.registry.instanceId);
      }
    } catch (error) {
      // The claim lapses with its heartbeat.
      this.logger.error(`Round in chat ${job.chat.id} not closed: ${(error as Error).message}`);
    }
    if (!answered) await this.refund(job);
    // Every client left before the reply was done: its user hears of it (issue #21).
    const unheard = answered && !round.followed ? saved.at(-1)! : null;
    this.registry.finish(
      round,
      job.chat.kind === 'group'
        ? { type: 'end', user_message_id: dropped ? null : job.userMessageId }
        : null,
    );
    // After the client has its answer: nobody waits for these.
    if (answered) {
      this.summarizeIfLong(job, saved.length, unsummarized);
      this.learnFrom(job);
      // The round's messages get their vectors for later recalls (when embeddings are on).
      this.embedder.trigger(job.chat.id);
    }
    if (job.caller.user) this.users.countTokens(job.caller.user.id, tokens);
    // Awaited: the round ends with it, so a shutdown's grace period covers it too.
    if (unheard && job.caller.user) await this.notifyUnheard(job, job.caller.user.id, unheard);
  }

  /** Only a chat whose tail past the summary may have outgrown it is looked at. */
  private summarizeIfLong(job: RoundJob, replies: number, unsummarized: number): void {
    const total = Math.min(job.messageCount, unsummarized) + replies;
    if (total <= SUMMARY_TRIGGER_MESSAGES) return;
    this.summarizer.trigger(job.chat.id, {
      character: job.names.get(job.chat.characterId) ?? '',
      user: job.chat.personaName?.trim() || USER_SPEAKER,
      ...(job.chat.kind === 'group' ? { characters: Object.fromEntries(job.names) } : {}),
    });
  }

  /** Never throws (NotificationsService logs what it could not raise). */
  private notifyUnheard(job: RoundJob, userId: string, reply: ContextMessage): Promise<void> {
    const characterId = reply.characterId ?? job.chat.characterId;
    return this.notifications.replyReady(userId, {
      chatId: job.chat.id,
      messageId: reply.id,
      character: { id: characterId, name: job.names.get(characterId) ?? '' },
    });
  }

  /**
   * Passages older than the history relevant to the newest user message (the RETRIEVER: full
   * text, re-ranked by embeddings when configured); none when the history reaches back to the
   * chat's start. A failure costs the prompt its recall only.
   */
  private async recall(job: RoundJob, history: readonly ContextMessage[]) {
    const newest = history.findLast((message) => message.role === 'user');
    const oldest = history[0];
    if (!newest || !oldest || history.length < contextLimit(job.caller)) return [];
    return this.retriever
      .recall({ chatId: job.chat.id, text: newest.content, beforeId: oldest.id, limit: RECALLED })
      .catch((error: Error) => {
        this.logger.warn(`Chat ${job.chat.id}: no recall: ${error.message}`);
        return [];
      });
  }

  /** A signed-in user's direct chat: what the character learned goes to its memories. */
  private learnFrom(job: RoundJob): void {
    if (!job.caller.user || job.chat.kind !== 'direct') return;
    this.extractor.trigger({
      chatId: job.chat.id,
      userId: job.caller.user.id,
      characterId: job.chat.characterId,
      characterName: job.names.get(job.chat.characterId) ?? '',
      userName: job.chat.personaName?.trim() || USER_SPEAKER,
      language: job.chat.language,
      chatOnly: job.chat.settings.memory_chat_only === true,
    });
  }

  private async refund(job: RoundJob): Promise<void> {
    await this.quota.refund(job.ticket).catch((error: Error) => {
      this.logger.warn(
        `Message of a round in chat ${job.chat.id} not given back: ${error.message}`,
      );
    });
  }
}
