import { HttpException, Injectable, Logger } from '@nestjs/common';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { LlmService } from '../llm/llm.service.js';
import type { LlmStreamEvent } from '../llm/llm.types.js';
import { ChatModeration } from './chat-moderation.service.js';
import type { ContextMessage } from './message.repository.js';
import { type FinishedReply, GenerationRepository } from './generation.repository.js';
import { PromptTokens } from './prompt/prompt-tokens.js';
import type { ReplyContext } from './reply-context.service.js';
import { ReplyModerated, replyErrorMessage } from './reply-errors.js';
import type { ReplyScreen } from './reply-screen.js';
import type { RoundJob, Speaker } from './round-job.js';
import { parseEncounterState, parseRollTags, rollDice } from './storytelling/dice.js';
import { isDndChat } from './storytelling/dnd.js';
import { estimateTokens } from './storytelling/lorebook.js';
import type { LiveRound } from './streaming/live-round.js';
import type { ReplyOutcome } from './streaming/reply-event.js';
import { ReplyRegistry } from './streaming/reply-registry.js';

type Usage = Extract<LlmStreamEvent, { type: 'usage' }>;

/** How one character's turn went. */
export interface Turn {
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

/**
 * The game of a campaign reply: the server rolls the dice its [ROLL] tags ask for and takes its
 * last [STATE {…}]. Malformed tags are skipped; other chats' replies are not read for tags.
 */
function gameOf(
  character: CharacterEntity,
  content: string,
): Pick<FinishedReply, 'diceRolls' | 'encounterState'> {
  if (!isDndChat(character)) {
    return { diceRolls: null, encounterState: null };
  }
  const rolls = parseRollTags(content).map((spec) => ({ ...rollDice(spec) }));
  return {
    diceRolls: rolls.length > 0 ? rolls : null,
    encounterState: parseEncounterState(content),
  };
}

/**
 * One character's reply in a round: streamed from the model into the LiveRound, then saved
 * (the round's claim held, and given back with the round's last reply), or given up with the
 * reason its outcome tells.
 */
@Injectable()
export class ReplyWriter {
  private readonly logger = new Logger(ReplyWriter.name);

  constructor(
    private readonly generations: GenerationRepository,
    private readonly llm: LlmService,
    private readonly tokens: PromptTokens,
    private readonly registry: ReplyRegistry,
    private readonly moderation: ChatModeration,
  ) {}

  /** One character's reply: streamed, then saved (or given up). */
  async write(
    round: LiveRound,
    job: RoundJob,
    speaker: Speaker,
    context: ReplyContext,
    parentId: number,
    last: boolean,
  ): Promise<Turn> {
    let usage: Usage | undefined;
    let failure: unknown;
    // The output scan between the model and the followers (reply-screen.ts).
    const screen = this.moderation.replyScreen(speaker.character.contentRating === 'nsfw', (text) =>
      round.append(text),
    );
    try {
      const events = this.llm.stream({
        messages: context.messages,
        provider: job.route.provider,
        providers: job.route.providers,
        config: { ...speaker.config, ...(job.route.model ? { model: job.route.model } : {}) },
        signal: round.signal,
      });
      for await (const event of events) {
        if (event.type !== 'delta') usage = event;
        // A hard hit: leaving the loop aborts the upstream request.
        else if (!screen.push(event.text)) break;
      }
    } catch (error) {
      failure = error;
    }
    // What the scan still held (the end, or a stop) goes out once checked.
    screen.finish();
    if (screen.refused) failure = new ReplyModerated(screen.cause?.category ?? 'minors_sexual');
    try {
      const turn = await this.conclude(round, job, speaker, context, {
        usage,
        failure,
        parentId,
        last,
      });
      await this.afterScreen(screen, job, speaker, turn);
      return turn;
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
      parentId,
      last,
    }: { usage?: Usage; failure: unknown; parentId: number; last: boolean },
  ): Promise<Turn> {
    const characterId = speaker.character.id;
    const content = round.content;
    // A reply the scan stopped keeps nothing, even its clean start: it failed.
    const stopped =
      usage === undefined && round.stopReason !== undefined && !(failure instanceof ReplyModerated);
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
    const promptTokens = usage?.promptTokens ?? this.tokens.estimate(context.messages);
    const completionTokens = usage?.completionTokens ?? estimateTokens(content);
    const game = gameOf(speaker.character, content);
    const reply: FinishedReply = {
      characterId,
      content,
      status: stopped ? 'stopped' : 'complete',
      modelUsed: usage ? `${usage.provider}/${usage.model}` : null,
      promptTokens,
      completionTokens,
      ...game,
      lorebookEntries: context.lorebook.length > 0 ? context.lorebook : null,
      memoryUsed: context.memory,
      tokens: await this.tokens.countNew(content),
    };
    // A continuation is the round's one reply: it goes on the end of the one continued.
    const saved = job.continuing
      ? await this.generations.appendToReply(
          job.chat.id,
          this.registry.instanceId,
          job.continuing.messageId,
          reply,
        )
      : await this.generations.saveReply(
          job.chat.id,
          this.registry.instanceId,
          reply,
          parentId,
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
        ...(context.memory ? { memory_used: context.memory } : {}),
        ...(stopped ? { stopped: true as const } : {}),
      },
      tokens,
      saved: {
        id: saved.messageId,
        role: 'assistant',
        characterId,
        content: job.continuing ? job.continuing.content + content : content,
        diceRolls: game.diceRolls,
      },
      released: last || stopped,
      lost: false,
    };
  }

  /**
   * After a screened reply: a hard hit counts against the chat's owner; a saved reply with
   * softer hits goes to the review queue. Both are rare: the common reply awaits nothing here.
   */
  private async afterScreen(
    screen: ReplyScreen,
    job: RoundJob,
    speaker: Speaker,
    turn: Turn,
  ): Promise<void> {
    if (screen.refused) {
      await this.moderation.hardOutput(job.caller);
      return;
    }
    const hits = screen.hits;
    if (hits.length > 0 && turn.saved) {
      await this.moderation.flagReply({
        messageId: turn.saved.id,
        chatId: job.chat.id,
        characterId: speaker.character.id,
        hits,
      });
    }
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
