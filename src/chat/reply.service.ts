import { ConflictException, HttpException, Injectable, Logger } from '@nestjs/common';
import { type LimitTier, TIER_LIMITS } from '../auth/tiers.js';
import { MessageQuotaService, type QuotaTicket } from '../auth/usage/message-quota.service.js';
import { UsersService } from '../auth/users.service.js';
import { CharactersService } from '../characters/characters.service.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { SseSource } from '../common/http/sse.js';
import { LlmService } from '../llm/llm.service.js';
import type { GenerationConfig, LlmStreamEvent } from '../llm/llm.types.js';
import { type ChatCaller, ownerOf, quotaSubjectOf, requireCaller } from './chat-caller.js';
import { ChatSummarizer } from './chat-summarizer.service.js';
import { ChatRepository, type ContextMessage } from './chat.repository.js';
import { ChatService, chatNotFound } from './chat.service.js';
import { characterName } from './dto/chat.dto.js';
import type { GenerationOptionsDto, SendMessageDto, StopResponseDto } from './dto/message.dto.js';
import type { StreamTicketDto } from './dto/stream.dto.js';
import type { ChatEntity } from './entities/chat.entity.js';
import { type FinishedReply, GenerationRepository } from './generation.repository.js';
import {
  type ReplyContext,
  ReplyContextService,
  type ReplyRoute,
} from './reply-context.service.js';
import { parseEncounterState, parseRollTags, rollDice } from './storytelling/dice.js';
import { isDndChat } from './storytelling/dnd.js';
import { estimateTokens } from './storytelling/lorebook.js';
import { SUMMARY_TRIGGER_MESSAGES } from './storytelling/summarizer.js';
import { replyErrorMessage } from './reply-errors.js';
import { FollowerSlots } from './streaming/follower-slots.js';
import type { LiveReply } from './streaming/live-reply.js';
import { numberedReply } from './streaming/reply-cursor.js';
import type { ReplyEvent, ReplyOutcome } from './streaming/reply-event.js';
import { ReplyRegistry } from './streaming/reply-registry.js';
import { StreamTicketService } from './streaming/stream-tickets.js';

/** Everything a reply needs once the chat is claimed. */
interface ReplyJob {
  chat: ChatEntity;
  caller: ChatCaller;
  character: CharacterEntity;
  userIsAdult: boolean;
  route: ReplyRoute;
  config: GenerationConfig;
  ticket: QuotaTicket;
  userMessageId: number;
  /** The reply a regeneration replaces once the new one is saved. */
  replaces: number | null;
  messageCount: number;
}

type Prepared = Omit<ReplyJob, 'ticket' | 'userMessageId' | 'replaces' | 'messageCount'>;

type CharacterReady = Pick<ReplyJob, 'character' | 'userIsAdult' | 'route'>;

/** Chats whose character a ReplyService remembers. */
const KNOWN_CHATS = 10_000;

type Usage = Extract<LlmStreamEvent, { type: 'usage' }>;

const tierOf = (caller: ChatCaller): LimitTier => caller.user?.tier ?? 'anon';

/** History messages the tier sends the model, the one answered included. */
const contextLimit = (caller: ChatCaller): number => TIER_LIMITS[tierOf(caller)].contextMessages;

const busy = () =>
  new ConflictException('A reply is being written in this chat: wait for it or stop it');

/** What the user is called in summaries when the chat has no persona. */
const USER_SPEAKER = 'User';

/**
 * The game of a campaign reply: the server rolls the dice its [ROLL] tags ask for and takes its
 * last [STATE {…}]. Malformed tags are skipped; other chats' replies are not read for tags.
 */
function gameOf(
  job: ReplyJob,
  content: string,
): Pick<FinishedReply, 'diceRolls' | 'encounterState'> {
  if (!isDndChat({ campaignId: job.chat.campaignId, tags: job.character.tags })) {
    return { diceRolls: null, encounterState: null };
  }
  const rolls = parseRollTags(content).map((spec) => ({ ...rollDice(spec) }));
  return {
    diceRolls: rolls.length > 0 ? rolls : null,
    encounterState: parseEncounterState(content),
  };
}

/**
 * Writing replies: send, regenerate, edit the last message, follow, stop. A reply takes a
 * message from the quota and claims the chat (one reply per chat, across instances), then
 * streams from the model into a LiveReply held in memory that any client can follow; it is
 * saved once, at the end, whether or not anyone is still listening. A reply that saves
 * nothing gives the chat and the quota back.
 */
@Injectable()
export class ReplyService {
  private readonly logger = new Logger(ReplyService.name);
  /** Chat id → its character's id (see rememberCharacter). */
  private readonly knownCharacters = new Map<string, string>();

  constructor(
    private readonly chats: ChatService,
    private readonly messages: ChatRepository,
    private readonly generations: GenerationRepository,
    private readonly characters: CharactersService,
    private readonly users: UsersService,
    private readonly quota: MessageQuotaService,
    private readonly llm: LlmService,
    private readonly context: ReplyContextService,
    private readonly registry: ReplyRegistry,
    private readonly summarizer: ChatSummarizer,
    private readonly followerSlots: FollowerSlots,
    private readonly tickets: StreamTicketService,
  ) {}

  /**
   * Saves the user's message and starts the reply. The quota, the start (a statement that also
   * reads the chat and checks its owner) and, when the chat's character is known from an
   * earlier reply, the character lookup go to the database together: one round trip before
   * the prompt is built. Whatever turns out refused is undone: the message taken back, the
   * quota given back. A problem with the request itself wins over an exhausted quota.
   */
  async send(
    chatId: string,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    const knownCharacterId = this.knownCharacters.get(chatId);
    const [ticket, started, knownCharacter] = await Promise.allSettled([
      this.quota.consume(quotaSubjectOf(caller)),
      this.generations.startWithUserMessage(
        chatId,
        ownerOf(caller),
        this.registry.instanceId,
        dto.content,
        contextLimit(caller) - 1,
      ),
      knownCharacterId && this.prepareCharacter(knownCharacterId, dto, caller),
    ]);
    const refund = async () => {
      if (ticket.status === 'fulfilled') await this.quota.refund(ticket.value);
    };
    if (started.status === 'rejected') {
      await refund();
      throw started.reason;
    }
    const start = started.value;
    if (start.status !== 'started') {
      await refund();
      throw start.status === 'missing' ? chatNotFound() : busy();
    }
    const { chat, userMessageId } = start;
    this.rememberCharacter(chat);
    let job: ReplyJob;
    try {
      let character: CharacterReady;
      if (knownCharacterId !== chat.characterId) {
        character = await this.prepareCharacter(chat.characterId, dto, caller);
      } else if (knownCharacter.status === 'rejected') {
        throw knownCharacter.reason;
      } else {
        character = knownCharacter.value as CharacterReady;
      }
      if (ticket.status === 'rejected') throw ticket.reason;
      job = {
        ...this.jobOf(chat, character, dto, caller),
        ticket: ticket.value,
        userMessageId,
        messageCount: start.messageCount,
        replaces: null,
      };
    } catch (error) {
      // The caller still gets the real reason; a claim left behind lapses (heartbeat).
      await this.generations
        .abandonStart(chat.id, this.registry.instanceId, userMessageId, chat.updatedAt)
        .catch((undoError: Error) => {
          this.logger.warn(
            `Message of a refused send in chat ${chat.id} kept: ${undoError.message}`,
          );
        });
      await refund();
      throw error;
    }
    try {
      return await this.generate(
        job,
        start.history && [
          ...start.history,
          { id: userMessageId, role: 'user', content: dto.content },
        ],
      );
    } catch (error) {
      await refund();
      throw error;
    }
  }

  /** Writes a new version of the last reply (or the missing reply to the last message). */
  async regenerate(
    chatId: string,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    const preparing = this.prepare(chatId, options, caller);
    return this.withTicket(caller, preparing, async (prepared, ticket) => {
      const chat = prepared.chat.id;
      const state = await this.generations.startRegenerating(chat, this.registry.instanceId);
      if (!state.claimed) throw busy();
      const [last, previous] = state.last;
      const target =
        last?.role === 'user'
          ? { userMessageId: last.id, replaces: null }
          : last?.role === 'assistant' && previous?.role === 'user'
            ? { userMessageId: previous.id, replaces: last.id }
            : null;
      if (!target) {
        await this.generations.release(chat, this.registry.instanceId);
        throw new ConflictException('There is no reply to regenerate: send a message first');
      }
      return this.generate({ ...prepared, ...target, ticket, messageCount: state.messageCount });
    });
  }

  /** Rewrites the user's last message, drops the reply to it, and writes a new one. */
  async editLast(
    chatId: string,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    return this.withTicket(caller, this.prepare(chatId, dto, caller), async (prepared, ticket) => {
      const chat = prepared.chat.id;
      const state = await this.generations.startEditingLast(
        chat,
        this.registry.instanceId,
        dto.content,
      );
      if (!state.claimed) throw busy();
      if (state.userMessageId === null) {
        await this.generations.release(chat, this.registry.instanceId);
        throw new ConflictException('There is no message of yours to edit in this chat');
      }
      return this.generate({
        ...prepared,
        ticket,
        userMessageId: state.userMessageId,
        replaces: null,
        messageCount: state.messageCount,
      });
    });
  }

  /** A stream ticket for the caller's chat, for an EventSource that cannot send headers. */
  async streamTicket(chatId: string, caller: ChatCaller): Promise<StreamTicketDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    return this.tickets.issue(chat.id, caller);
  }

  /**
   * The reply being written in the chat (on any instance) from the character `after` on (0:
   * all of it), or null when there is none; 429 when the chat or the caller already has all
   * the followers it may (FollowerSlots). A `ticket` stands for its owner, headers or not.
   */
  async follow(
    chatId: string,
    access: { ticket?: string; caller: ChatCaller | null },
    after = 0,
  ): Promise<SseSource<ReplyEvent> | null> {
    const caller = access.ticket
      ? await this.tickets.redeem(chatId, access.ticket)
      : requireCaller(access.caller);
    const { chat } = await this.chats.requireOwned(chatId, caller);
    const local = this.registry.local(chat.id);
    const writer = local ? undefined : await this.generations.writerOf(chat.id);
    const source =
      local ??
      (writer && writer !== this.registry.instanceId
        ? this.registry.follow(writer, chat.id)
        : null);
    return source && numberedReply(this.followerSlots.hold(chat.id, caller, source), after);
  }

  /** Stops the reply being written (on any instance); the part written so far is kept. */
  async stop(chatId: string, caller: ChatCaller): Promise<StopResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    const local = this.registry.local(chat.id);
    let outcome: ReplyOutcome | null = null;
    if (local) {
      local.stop('user');
      outcome = await local.settled;
    } else {
      const writer = await this.generations.writerOf(chat.id);
      if (writer) outcome = await this.registry.stopRemote(writer, chat.id);
    }
    return {
      stopped: outcome?.type === 'done' && outcome.stopped === true,
      message_id: outcome?.type === 'done' ? outcome.message_id : null,
    };
  }

  /** Checks all that can be checked before anything is spent or claimed. */
  private async prepare(
    chatId: string,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<Prepared> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    this.rememberCharacter(chat);
    return this.jobOf(
      chat,
      await this.prepareCharacter(chat.characterId, options, caller),
      options,
      caller,
    );
  }

  /** The character (if the caller may still see it), whether it meets an adult, the route. */
  private async prepareCharacter(
    characterId: string,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<CharacterReady> {
    const viewer = caller.user;
    const [character, route] = await Promise.all([
      this.characters.findVisible(characterId, viewer),
      this.context.route(options.model, tierOf(caller)),
    ]);
    // Only the NSFW rules depend on it: no lookup for other characters.
    const userIsAdult =
      character.contentRating === 'nsfw' && (await this.characters.isAdult(viewer));
    return { character, userIsAdult, route };
  }

  /** A reply's settings: the sampling the character, the options and the tier ask for. */
  private jobOf(
    chat: ChatEntity,
    { character, userIsAdult, route }: CharacterReady,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Prepared {
    return {
      chat,
      caller,
      character,
      userIsAdult,
      route,
      config: {
        ...this.context.sampling(character, options, tierOf(caller), chat.language),
        ...(route.model ? { model: route.model } : {}),
      },
    };
  }

  /**
   * Chats' characters never change: remembered (the latest KNOWN_CHATS chats), a send looks
   * the character up while its message goes in. A plain bounded Map, oldest out first: an
   * entry is a hint the start statement confirms, so recency bookkeeping would buy nothing.
   */
  private rememberCharacter(chat: ChatEntity): void {
    if (this.knownCharacters.has(chat.id)) return;
    if (this.knownCharacters.size >= KNOWN_CHATS) {
      this.knownCharacters.delete(this.knownCharacters.keys().next().value!);
    }
    this.knownCharacters.set(chat.id, chat.characterId);
  }

  /**
   * Takes a message from the quota while `preparing` looks the chat up (one round trip less
   * before the first token), then runs `start`; the message is given back if either fails.
   * A problem with the request itself wins over an exhausted quota.
   */
  private async withTicket<P, T>(
    caller: ChatCaller,
    preparing: Promise<P>,
    start: (prepared: P, ticket: QuotaTicket) => Promise<T>,
  ): Promise<T> {
    const [prepared, ticket] = await Promise.allSettled([
      preparing,
      this.quota.consume(quotaSubjectOf(caller)),
    ]);
    if (prepared.status === 'rejected') {
      if (ticket.status === 'fulfilled') await this.quota.refund(ticket.value);
      throw prepared.reason;
    }
    if (ticket.status === 'rejected') throw ticket.reason;
    try {
      return await start(prepared.value, ticket.value);
    } catch (error) {
      await this.quota.refund(ticket.value);
      throw error;
    }
  }

  /**
   * Builds the prompt (reading the history unless the caller has it) and starts streaming;
   * the chat is claimed.
   */
  private async generate(
    job: ReplyJob,
    history?: ContextMessage[] | null,
  ): Promise<SseSource<ReplyEvent>> {
    let context: ReplyContext;
    // Messages past the summary once the reply is saved; unknown when the tier's limit cut
    // the history short. Lets short tails skip the summarizer's look at the database.
    let unsummarized = Infinity;
    try {
      const recent =
        history ??
        (await this.messages.contextMessages(
          job.chat.id,
          job.userMessageId,
          contextLimit(job.caller),
          job.chat.summarizedThroughId,
        ));
      if (recent.length < contextLimit(job.caller)) unsummarized = recent.length + 1;
      context = await this.context.build({ ...job, history: recent });
    } catch (error) {
      await this.generations.release(job.chat.id, this.registry.instanceId);
      throw error;
    }
    return numberedReply(
      this.registry.start(job.chat.id, (reply) => this.run(reply, job, context, unsummarized)),
    );
  }

  /**
   * Streams the reply into `reply`, saves it, then counts its tokens and summarizes the chat
   * if it has grown long; never throws.
   */
  private async run(
    reply: LiveReply,
    job: ReplyJob,
    context: ReplyContext,
    unsummarized: number,
  ): Promise<void> {
    let usage: Usage | undefined;
    let failure: unknown;
    try {
      const events = this.llm.stream({
        messages: context.messages,
        provider: job.route.provider,
        providers: job.route.providers,
        config: job.config,
        signal: reply.signal,
      });
      for await (const event of events) {
        if (event.type === 'delta') reply.append(event.text);
        else usage = event;
      }
    } catch (error) {
      failure = error;
    }
    let outcome: ReplyOutcome;
    let tokens = 0;
    try {
      ({ outcome, tokens } = await this.conclude(reply, job, context, usage, failure));
    } catch (error) {
      this.logger.error(
        `Reply in chat ${job.chat.id} could not be saved: ${(error as Error).stack ?? error}`,
      );
      await this.giveBack(job).catch(() => undefined);
      outcome = { type: 'error', message: replyErrorMessage(error, this.isAdmin(job)) };
    }
    this.registry.finish(reply, outcome);
    // After the client has its answer: nobody waits for these.
    if (outcome.type === 'done' && outcome.message_id !== null) {
      this.summarizeIfLong(job, unsummarized);
    }
    if (tokens > 0 && job.caller.user) {
      await this.users.addTokensUsed(job.caller.user.id, tokens).catch((error: Error) => {
        this.logger.error(`Tokens of a reply in chat ${job.chat.id} not counted: ${error.message}`);
      });
    }
  }

  /** Only a chat whose tail past the summary may have outgrown it is looked at. */
  private summarizeIfLong(job: ReplyJob, unsummarized: number): void {
    if (Math.min(job.messageCount + 1, unsummarized) <= SUMMARY_TRIGGER_MESSAGES) return;
    this.summarizer.trigger(job.chat.id, {
      character: characterName(job.character, job.chat.language),
      user: job.chat.personaName?.trim() || USER_SPEAKER,
    });
  }

  /**
   * Saves a finished (or stopped, non-empty) reply, or gives everything back. `tokens`: what
   * the saved reply cost (prompt and completion), for the user's counters.
   */
  private async conclude(
    reply: LiveReply,
    job: ReplyJob,
    context: ReplyContext,
    usage: Usage | undefined,
    failure: unknown,
  ): Promise<{ outcome: ReplyOutcome; tokens: number }> {
    const stopped = usage === undefined && reply.stopReason !== undefined;
    const done = (
      messageId: number | null,
      remaining: number | null,
      game?: Pick<FinishedReply, 'diceRolls' | 'encounterState'>,
    ): ReplyOutcome => ({
      type: 'done',
      message_id: messageId,
      user_message_id: job.userMessageId,
      ...(job.caller.user === null && remaining !== null ? { anon_messages_left: remaining } : {}),
      ...(game?.diceRolls ? { dice_rolls: game.diceRolls } : {}),
      ...(game?.encounterState ? { encounter_state: game.encounterState } : {}),
      ...(stopped ? { stopped: true as const } : {}),
    });
    if (stopped ? !reply.content : usage === undefined || failure !== undefined) {
      await this.giveBack(job);
      if (stopped) {
        const remaining = job.ticket.remaining === null ? null : job.ticket.remaining + 1;
        return { outcome: done(null, remaining), tokens: 0 };
      }
      this.logFailure(job, failure);
      const message = replyErrorMessage(failure, this.isAdmin(job));
      return { outcome: { type: 'error', message }, tokens: 0 };
    }
    // A stopped stream reports no usage: its tokens are estimated.
    const promptTokens = usage?.promptTokens ?? this.context.estimate(context.messages);
    const completionTokens = usage?.completionTokens ?? estimateTokens(reply.content);
    const game = gameOf(job, reply.content);
    const saved = await this.generations.finish(
      job.chat.id,
      this.registry.instanceId,
      {
        content: reply.content,
        status: stopped ? 'stopped' : 'complete',
        modelUsed: usage ? `${usage.provider}/${usage.model}` : null,
        promptTokens,
        completionTokens,
        ...game,
        lorebookEntries: context.lorebook.length > 0 ? context.lorebook : null,
      },
      job.replaces,
    );
    const tokens = promptTokens + completionTokens;
    if (saved.status !== 'saved') {
      await this.quota.refund(job.ticket);
      const message =
        saved.status === 'deleted'
          ? 'This chat was deleted'
          : 'Another reply took over this chat meanwhile: reload it to see where it stands';
      if (saved.status === 'overtaken') {
        this.logger.warn(`Reply in chat ${job.chat.id} not saved: its claim was taken over`);
      }
      return { outcome: { type: 'error', message }, tokens };
    }
    return { outcome: done(saved.messageId, job.ticket.remaining, game), tokens };
  }

  /** No reply was saved: the chat is free again and the message does not count. */
  private async giveBack(job: ReplyJob): Promise<void> {
    await Promise.all([
      this.generations.release(job.chat.id, this.registry.instanceId),
      this.quota.refund(job.ticket),
    ]);
  }

  private logFailure(job: ReplyJob, failure: unknown): void {
    const message = `Reply in chat ${job.chat.id} failed: ${replyErrorMessage(failure, true)}`;
    // Upstream trouble is an operational condition; anything else is a bug.
    if (failure instanceof HttpException) this.logger.warn(message);
    else this.logger.error(`${message}\n${(failure as Error)?.stack ?? ''}`);
  }

  private isAdmin(job: ReplyJob): boolean {
    return job.caller.user?.role === 'admin';
  }
}
