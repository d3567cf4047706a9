import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { MessageQuotaService, type QuotaTicket } from '../auth/usage/message-quota.service.js';
import type { SseSource } from '../common/http/sse.js';
import { type ChatCaller, ownerOf, quotaSubjectOf, requireCaller } from './chat-caller.js';
import { ChatModeration } from './chat-moderation.service.js';
import { ChatService, chatNotFound } from './chat.service.js';
import type { GenerationOptionsDto, SendMessageDto } from './dto/message.dto.js';
import type { StreamTicketDto } from './dto/stream.dto.js';
import type { ChatKind } from './entities/chat.entity.js';
import { GenerationRepository } from './generation.repository.js';
import { type Cast, RoundCasting, type RoundOptions, sameMembers } from './round-casting.js';
import { contextLimit, type RoundJob } from './round-job.js';
import { RoundRunner } from './round-runner.js';
import { FollowerSlots } from './streaming/follower-slots.js';
import { numberedReply } from './streaming/reply-cursor.js';
import type { ReplyEvent, RoundSummary } from './streaming/reply-event.js';
import { ReplyRegistry } from './streaming/reply-registry.js';
import { StreamTicketService } from './streaming/stream-tickets.js';

type Prepared = Cast & Pick<RoundJob, 'chat' | 'caller'>;

const busy = (kind: ChatKind) =>
  new ConflictException(
    kind === 'group'
      ? 'The characters are still answering in this group chat: wait for them'
      : 'A reply is being written in this chat: wait for it or stop it',
  );

const nothingToContinue = () =>
  new ConflictException(
    "There is no reply to continue: the story does not end with a character's message",
  );

/**
 * The reply endpoints: send, regenerate, edit or resend a message, continue, follow, stop
 * (who answers: RoundCasting; the round itself: RoundRunner). A round takes a
 * message from the quota and claims the chat (one round per chat, across instances), then
 * RoundRunner writes it. The user's text is screened first (ChatModeration: refused text spends
 * nothing). Whatever turns out refused before the round starts is undone: the message taken
 * back, the claim and the quota given back.
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
    const [ticket, started, knownCast] = await Promise.allSettled([
      this.quota.consume(quotaSubjectOf(caller)),
      this.generations.startWithUserMessage(
        chatId,
        ownerOf(caller),
        this.registry.instanceId,
        dto.content,
        contextLimit(caller) - 1,
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
      throw start.status === 'missing' ? chatNotFound() : busy(start.chat.kind);
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
      return this.numbered(
        await this.runner.start(
          job,
          start.history && [
            ...start.history,
            { id: userMessageId, role: 'user', characterId: null, content: dto.content },
          ],
        ),
      );
    } catch (error) {
      await refund();
      throw error;
    }
  }

  /**
   * Writes a new round answering the user's last message; the replies it had stay, an
   * alternative branch (a sibling of the new first reply).
   */
  async regenerate(
    chatId: string,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    const preparing = this.prepare(chatId, options, caller);
    return this.withTicket(caller, preparing, async (prepared, ticket) => {
      const chat = prepared.chat;
      const state = await this.generations.startRegenerating(chat.id, this.registry.instanceId);
      if (!state.claimed) throw busy(chat.kind);
      if (state.userMessageId === null) {
        await this.generations.release(chat.id, this.registry.instanceId);
        throw new ConflictException('There is no reply to regenerate: send a message first');
      }
      return this.numbered(
        await this.runner.start({
          ...prepared,
          ticket,
          userMessageId: state.userMessageId,
          messageCount: state.messageCount,
          dropUnanswered: false,
        }),
      );
    });
  }

  /**
   * Sends the user's last message again with new text (a sibling of it, so the old one and
   * its replies stay as an alternative branch) and writes a new round answering it.
   */
  editLast(
    chatId: string,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    return this.resendAt(chatId, null, dto, caller);
  }

  /** editLast for any user message `messageId` of the active path (StoryService checks it is one). */
  resend(
    chatId: string,
    messageId: number,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    return this.resendAt(chatId, messageId, dto, caller);
  }

  /**
   * A sibling of the user message `messageId` (null: the last one) with the new text, answered
   * by a new round. A summary that covered the old message went with the start, so the round
   * goes without it.
   */
  private async resendAt(
    chatId: string,
    messageId: number | null,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    await this.moderation.screenInput(dto.content, caller);
    return this.withTicket(caller, this.prepare(chatId, dto, caller), async (prepared, ticket) => {
      const chat = prepared.chat;
      const state = await this.generations.startResending(
        chat.id,
        this.registry.instanceId,
        dto.content,
        messageId,
      );
      if (!state.claimed) throw busy(chat.kind);
      if (state.userMessageId === null) {
        await this.generations.release(chat.id, this.registry.instanceId);
        throw messageId === null
          ? new ConflictException('There is no message of yours to edit in this chat')
          : // Deleted since it was checked.
            new NotFoundException('Message not found in this chat');
      }
      return this.numbered(
        await this.runner.start({
          ...prepared,
          chat: state.summarized ? chat : { ...chat, summary: null, summarizedThroughId: null },
          ticket,
          userMessageId: state.userMessageId,
          messageCount: state.messageCount,
          dropUnanswered: false,
        }),
      );
    });
  }

  /**
   * Streams more of the character message that ends the active path, appended to it: a round
   * whose one speaker is that message's character, whose prompt ends with the message. 409 when
   * the path ends otherwise, or its character is no longer in the chat.
   */
  async continue(
    chatId: string,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    const preparing = this.chats.requireOwned(chatId, caller).then(({ chat }) => chat);
    return this.withTicket(caller, preparing, async (chat, ticket) => {
      const state = await this.generations.startContinuing(chat.id, this.registry.instanceId);
      if (!state.claimed) throw busy(chat.kind);
      const reply = state.reply;
      let cast: Cast;
      try {
        if (!reply) throw nothingToContinue();
        // A direct chat's character lines are its character's, even one since deleted.
        const author = reply.characterId ?? (chat.kind === 'direct' ? chat.characterId : null);
        if (!author || !chat.memberIds.includes(author)) {
          throw new ConflictException(
            'The character who wrote the last reply is no longer in this chat',
          );
        }
        cast = await this.casting.cast(chat, { ...options, speaker_ids: [author] }, caller);
      } catch (error) {
        await this.generations.release(chat.id, this.registry.instanceId);
        throw error;
      }
      return this.numbered(
        await this.runner.start({
          chat,
          caller,
          ...cast,
          ticket,
          userMessageId: state.userMessageId,
          messageCount: state.messageCount,
          dropUnanswered: false,
          continuing: { messageId: reply.messageId, content: reply.content },
        }),
      );
    });
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

  /** Checks all that can be checked before anything is spent or claimed. */
  private async prepare(
    chatId: string,
    options: RoundOptions,
    caller: ChatCaller,
  ): Promise<Prepared> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    this.casting.remember(chat);
    return { chat, caller, ...(await this.casting.cast(chat, options, caller)) };
  }

  private numbered(round: SseSource<ReplyEvent> & { kind: ChatKind }): SseSource<ReplyEvent> {
    return numberedReply(round, 0, round.kind);
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
}
