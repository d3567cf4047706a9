import { HttpException, Injectable, Logger } from '@nestjs/common';
import { TIER_LIMITS } from '../auth/tiers.js';
import { MessageQuotaService, type QuotaTicket } from '../auth/usage/message-quota.service.js';
import { UsersService } from '../auth/users.service.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { LlmService } from '../llm/llm.service.js';
import type { GenerationConfig, LlmStreamEvent } from '../llm/llm.types.js';
import { type ChatCaller } from './chat-caller.js';
import type { ChatWithMembers } from './chat-rows.js';
import { ChatSummarizer } from './chat-summarizer.service.js';
import { ChatRepository, type ContextMessage } from './chat.repository.js';
import { type FinishedReply, GenerationRepository } from './generation.repository.js';
import {
  type ReplyContext,
  ReplyContextService,
  type ReplyRoute,
} from './reply-context.service.js';
import { replyErrorMessage } from './reply-errors.js';
import { parseEncounterState, parseRollTags, rollDice } from './storytelling/dice.js';
import { isDndChat } from './storytelling/dnd.js';
import { estimateTokens } from './storytelling/lorebook.js';
import { SUMMARY_TRIGGER_MESSAGES } from './storytelling/summarizer.js';
import type { LiveRound } from './streaming/live-round.js';
import type { ReplyOutcome } from './streaming/reply-event.js';
import { ReplyRegistry } from './streaming/reply-registry.js';

/** A character answering in the round, with the sampling it answers with. */
export interface Speaker {
  character: CharacterEntity;
  config: GenerationConfig;
}

/** Everything a round needs once the chat is claimed. */
export interface RoundJob {
  chat: ChatWithMembers;
  caller: ChatCaller;
  /** The members who answer, in speaking order (a direct chat's one character). */
  speakers: Speaker[];
  /** Every member's name by id, absent ones too, for their earlier lines. */
  names: ReadonlyMap<string, string>;
  userIsAdult: boolean;
  route: ReplyRoute;
  ticket: QuotaTicket;
  /** The user message the round answers. */
  userMessageId: number;
  /** Replies a regeneration supersedes, deleted when the new round saves its first. */
  replaces: number[];
  /** Messages in the chat once the user's is in. */
  messageCount: number;
  /** A group chat's new message nobody answered goes too (as the round never happened). */
  dropUnanswered: boolean;
}

type Usage = Extract<LlmStreamEvent, { type: 'usage' }>;

/** How one character's turn went. */
interface Turn {
  /** Null: nothing to tell (the group chat was deleted: nobody is there to read it). */
  outcome: ReplyOutcome | null;
  /** What the saved reply cost (prompt and completion), for the user's counters. */
  tokens: number;
  /** The saved reply, as the next speaker's history sees it. */
  saved: ContextMessage | null;
  /** The claim went with the save (the round's last reply). */
  released: boolean;
  /** Nothing more may be written: the chat is gone or another round holds it. */
  lost: boolean;
  /** The chat was deleted meanwhile. */
  deleted?: boolean;
}

/** What the user is called in summaries when the chat has no persona. */
const USER_SPEAKER = 'User';

/** History messages the tier sends the model, the one answered included. */
export const contextLimit = (caller: ChatCaller): number =>
  TIER_LIMITS[caller.user?.tier ?? 'anon'].contextMessages;

/**
 * The game of a campaign reply: the server rolls the dice its [ROLL] tags ask for and takes its
 * last [STATE {…}]. Malformed tags are skipped; other chats' replies are not read for tags.
 */
function gameOf(
  chat: ChatWithMembers,
  character: CharacterEntity,
  content: string,
): Pick<FinishedReply, 'diceRolls' | 'encounterState'> {
  if (!isDndChat({ campaignId: chat.campaignId, tags: character.tags })) {
    return { diceRolls: null, encounterState: null };
  }
  const rolls = parseRollTags(content).map((spec) => ({ ...rollDice(spec) }));
  return {
    diceRolls: rolls.length > 0 ? rolls : null,
    encounterState: parseEncounterState(content),
  };
}

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
    private readonly messages: ChatRepository,
    private readonly generations: GenerationRepository,
    private readonly users: UsersService,
    private readonly quota: MessageQuotaService,
    private readonly llm: LlmService,
    private readonly context: ReplyContextService,
    private readonly registry: ReplyRegistry,
    private readonly summarizer: ChatSummarizer,
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
          job.userMessageId,
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

  private contextFor(
    job: RoundJob,
    speaker: Speaker,
    history: ContextMessage[],
  ): Promise<ReplyContext> {
    return this.context.build({
      chat: job.chat,
      character: speaker.character,
      members: job.speakers.map((member) => member.character),
      names: job.names,
      history,
      messageCount: job.messageCount,
      userIsAdult: job.userIsAdult,
    });
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
        const turn = await this.turn(round, job, speaker, context, saved.length === 0, last);
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
      round.conclude({ type: 'error', message: replyErrorMessage(error, this.isAdmin(job)) });
    }
    const answered = saved.length > 0;
    const dropped = !answered && (job.dropUnanswered || deleted);
    try {
      if (!released && !lost) {
        if (!answered && job.dropUnanswered) {
          await this.generations.abandonStart(
            job.chat.id,
            this.registry.instanceId,
            job.userMessageId,
            job.chat.updatedAt,
          );
        } else await this.generations.release(job.chat.id, this.registry.instanceId);
      }
    } catch (error) {
      // The claim lapses with its heartbeat.
      this.logger.error(`Round in chat ${job.chat.id} not closed: ${(error as Error).message}`);
    }
    if (!answered) await this.refund(job);
    this.registry.finish(
      round,
      job.chat.kind === 'group'
        ? { type: 'end', user_message_id: dropped ? null : job.userMessageId }
        : null,
    );
    // After the client has its answer: nobody waits for these.
    if (answered) this.summarizeIfLong(job, saved.length, unsummarized);
    if (tokens > 0 && job.caller.user) {
      await this.users.addTokensUsed(job.caller.user.id, tokens).catch((error: Error) => {
        this.logger.error(`Tokens of a round in chat ${job.chat.id} not counted: ${error.message}`);
      });
    }
  }

  /** One character's reply: streamed, then saved (or given up). */
  private async turn(
    round: LiveRound,
    job: RoundJob,
    speaker: Speaker,
    context: ReplyContext,
    first: boolean,
    last: boolean,
  ): Promise<Turn> {
    let usage: Usage | undefined;
    let failure: unknown;
    try {
      const events = this.llm.stream({
        messages: context.messages,
        provider: job.route.provider,
        providers: job.route.providers,
        config: { ...speaker.config, ...(job.route.model ? { model: job.route.model } : {}) },
        signal: round.signal,
      });
      for await (const event of events) {
        if (event.type === 'delta') round.append(event.text);
        else usage = event;
      }
    } catch (error) {
      failure = error;
    }
    try {
      return await this.conclude(round, job, speaker, context, { usage, failure, first, last });
    } catch (error) {
      this.logger.error(
        `Reply in chat ${job.chat.id} could not be saved: ${(error as Error).stack ?? error}`,
      );
      const message = replyErrorMessage(error, this.isAdmin(job));
      return {
        outcome: { type: 'error', message, character_id: speaker.character.id },
        tokens: 0,
        saved: null,
        released: false,
        lost: false,
      };
    }
  }

  /** Saves a finished (or stopped, non-empty) reply, or says why there is none. */
  private async conclude(
    round: LiveRound,
    job: RoundJob,
    speaker: Speaker,
    context: ReplyContext,
    {
      usage,
      failure,
      first,
      last,
    }: { usage?: Usage; failure: unknown; first: boolean; last: boolean },
  ): Promise<Turn> {
    const characterId = speaker.character.id;
    const content = round.content;
    const stopped = usage === undefined && round.stopReason !== undefined;
    const nothing = { tokens: 0, saved: null, released: false, lost: false };
    if (stopped ? !content : usage === undefined || failure !== undefined) {
      if (stopped) {
        // The message is given back once the round ends with nothing saved.
        const remaining = job.ticket.remaining === null ? null : job.ticket.remaining + 1;
        return {
          ...nothing,
          outcome: {
            type: 'done',
            message_id: null,
            user_message_id: job.userMessageId,
            character_id: characterId,
            ...(job.caller.user === null && remaining !== null
              ? { anon_messages_left: remaining }
              : {}),
            stopped: true,
          },
        };
      }
      this.logFailure(job, speaker, failure);
      const message = replyErrorMessage(failure, this.isAdmin(job));
      return { ...nothing, outcome: { type: 'error', message, character_id: characterId } };
    }
    // A stopped stream reports no usage: its tokens are estimated.
    const promptTokens = usage?.promptTokens ?? this.context.estimate(context.messages);
    const completionTokens = usage?.completionTokens ?? estimateTokens(content);
    const game = gameOf(job.chat, speaker.character, content);
    const saved = await this.generations.saveReply(
      job.chat.id,
      this.registry.instanceId,
      {
        characterId,
        content,
        status: stopped ? 'stopped' : 'complete',
        modelUsed: usage ? `${usage.provider}/${usage.model}` : null,
        promptTokens,
        completionTokens,
        ...game,
        lorebookEntries: context.lorebook.length > 0 ? context.lorebook : null,
      },
      first ? job.replaces : [],
      last || stopped,
    );
    const tokens = promptTokens + completionTokens;
    if (saved.status !== 'saved') {
      const message =
        saved.status === 'deleted'
          ? 'This chat was deleted'
          : 'Another reply took over this chat meanwhile: reload it to see where it stands';
      if (saved.status === 'overtaken') {
        this.logger.warn(`Reply in chat ${job.chat.id} not saved: its claim was taken over`);
      }
      const deleted = saved.status === 'deleted';
      return {
        outcome:
          deleted && job.chat.kind === 'group'
            ? null
            : { type: 'error', message, character_id: characterId },
        tokens,
        saved: null,
        released: false,
        lost: true,
        deleted,
      };
    }
    return {
      outcome: {
        type: 'done',
        message_id: saved.messageId,
        user_message_id: job.userMessageId,
        character_id: characterId,
        ...(job.caller.user === null && job.ticket.remaining !== null
          ? { anon_messages_left: job.ticket.remaining }
          : {}),
        ...(game.diceRolls ? { dice_rolls: game.diceRolls } : {}),
        ...(game.encounterState ? { encounter_state: game.encounterState } : {}),
        ...(stopped ? { stopped: true as const } : {}),
      },
      tokens,
      saved: {
        id: saved.messageId,
        role: 'assistant',
        characterId,
        content,
        diceRolls: game.diceRolls,
      },
      released: last || stopped,
      lost: false,
    };
  }

  /** Only a chat whose tail past the summary may have outgrown it is looked at. */
  private summarizeIfLong(job: RoundJob, replies: number, unsummarized: number): void {
    const total = Math.min(job.messageCount, unsummarized) + replies;
    if (total <= SUMMARY_TRIGGER_MESSAGES) return;
    this.summarizer.trigger(job.chat.id, {
      character: job.names.get(job.chat.characterId) ?? '',
      user: job.chat.personaName?.trim() || USER_SPEAKER,
    });
  }

  private async refund(job: RoundJob): Promise<void> {
    await this.quota.refund(job.ticket).catch((error: Error) => {
      this.logger.warn(
        `Message of a round in chat ${job.chat.id} not given back: ${error.message}`,
      );
    });
  }

  private logFailure(job: RoundJob, speaker: Speaker, failure: unknown): void {
    const message =
      `Reply of ${speaker.character.id} in chat ${job.chat.id} failed: ` +
      replyErrorMessage(failure, true);
    // Upstream trouble is an operational condition; anything else is a bug.
    if (failure instanceof HttpException) this.logger.warn(message);
    else this.logger.error(`${message}\n${(failure as Error)?.stack ?? ''}`);
  }

  private isAdmin(job: RoundJob): boolean {
    return job.caller.user?.role === 'admin';
  }
}
