import { TokenEstimator } from '../llm/usage/token-estimator.js';
import { Injectable, Logger } from '@nestjs/common';
import { MessageQuotaService } from '../auth/usage/message-quota.service.js';
import type { SseSource } from '../common/http/sse.js';
import { type ChatCaller, ownerOf, quotaSubjectOf, requireCaller } from './chat-caller.js';
import { ChatModeration } from './chat-moderation.service.js';
import { ChatService, chatNotFound } from './chat.service.js';
import type { SendMessageDto } from './dto/message.dto.js';
import type { StreamTicketDto } from './dto/stream.dto.js';
import { GenerationRepository } from './generation.repository.js';
import { roundInFlight } from './reply-errors.js';
import { type Cast, RoundCasting, sameMembers } from './round-casting.js';
import { contextLimit, type RoundJob } from './round-job.js';
import { RoundRunner } from './round-runner.js';
import { FollowerSlots } from './streaming/follower-slots.js';
import { numberedReply, numberedRound } from './streaming/reply-cursor.js';
import type { ReplyEvent, RoundSummary } from './streaming/reply-event.js';
import { ReplyRegistry } from './streaming/reply-registry.js';
import { StreamTicketService } from './streaming/stream-tickets.js';

/**
 * The reply endpoints of a new message and of a round in flight: send, follow (re-attach),
 * stop, stream tickets. Who answers: RoundCasting; the round itself: RoundRunner; the rounds
 * that rework the story (regenerate, edit, resend, continue): StoryRounds. A round takes a
 * message from the quota and claims the chat (one round per chat, across instances), then
 * RoundRunner writes it. The user's text is screened first (ChatModeration: refused text
 * spends nothing). Whatever turns out refused before the round starts is undone: the message
 * taken back, the claim and the quota given back.
 */
@Injectable()
export class ReplyService {
  private readonly logger = new Logger(ReplyService.name);

  constructor(
    private readonly chats: ChatService,
    private readonly generations: GenerationRepository,
    private readonly quota: MessageQuotaService,
    private readonly casting: RoundCasting,
    private readonly runner: RoundRunner,
    private readonly registry: ReplyRegistry,
    private readonly followerSlots: FollowerSlots,
    private readonly tickets: StreamTicketService,
    private readonly moderation: ChatModeration,
    private readonly tokenizer: TokenEstimator,
  ) {}

  /**
   * Saves the user's message and starts the round. The quota, the start (a statement that also
   * reads the chat and checks its owner) and, when the chat's members are known from an
   * earlier round, their lookup go to the database together: one round trip before the
   * prompt is built. Whatever turns out refused is undone: the message taken back, the quota
   * given back. A problem with the request itself wins over an exhausted quota.
   */
  async send(
    chatId: string,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    // Refused text spends nothing: checked before the quota and the claim.
    await this.moderation.screenInput(dto.content, caller);
    const known = this.casting.known(chatId);
    // Counted once, stored with the message: later context builds read the count.
    const tokens = await this.tokenizer.count(dto.content);
    const [ticket, started, knownCast] = await Promise.allSettled([
      this.quota.consume(quotaSubjectOf(caller)),
      this.generations.startWithUserMessage(
        chatId,
        ownerOf(caller),
        this.registry.instanceId,
        dto.content,
        contextLimit(caller) - 1,
        tokens,
      ),
      known && this.casting.cast(known, dto, caller),
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
      throw start.status === 'missing' ? chatNotFound() : roundInFlight(start.chat.kind);
    }
    const { chat, userMessageId } = start;
    this.casting.remember(chat);
    let job: RoundJob;
    try {
      let cast: Cast;
      if (!known || !sameMembers(known, chat)) cast = await this.casting.cast(chat, dto, caller);
      else if (knownCast.status === 'rejected') throw knownCast.reason;
      else cast = knownCast.value as Cast;
      if (ticket.status === 'rejected') throw ticket.reason;
      job = {
        chat,
        caller,
        ...cast,
        ticket: ticket.value,
        userMessageId,
        messageCount: start.messageCount,
        dropUnanswered: chat.kind === 'group',
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
      return numberedRound(
        await this.runner.start(
          job,
          start.history && [
            ...start.history,
            { id: userMessageId, role: 'user', characterId: null, content: dto.content, tokens },
          ],
        ),
      );
    } catch (error) {
      await refund();
      throw error;
    }
  }

  /** A stream ticket for the caller's chat, for an EventSource that cannot send headers. */
  async streamTicket(chatId: string, caller: ChatCaller): Promise<StreamTicketDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    return this.tickets.issue(chat.id, caller);
  }

  /**
   * The round being written in the chat (on any instance) from the reply text `after` on (0:
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
    const source = await this.registry.source(chat.id);
    return (
      source && numberedReply(this.followerSlots.hold(chat.id, caller, source), after, chat.kind)
    );
  }

  /**
   * Stops the round being written (on any instance); what the speaking character wrote so far
   * is kept, the characters after it do not speak. Null when no round was being written.
   */
  async stop(chatId: string, caller: ChatCaller): Promise<RoundSummary | null> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    return this.registry.stop(chat.id);
  }
}
