import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { MessageQuotaService, type QuotaTicket } from '../auth/usage/message-quota.service.js';
import type { SseSource } from '../common/http/sse.js';
import { TokenEstimator } from '../llm/usage/token-estimator.js';
import { type ChatCaller, quotaSubjectOf } from './chat-caller.js';
import { ChatModeration } from './chat-moderation.service.js';
import { ChatService } from './chat.service.js';
import type { GenerationOptionsDto, SendMessageDto } from './dto/message.dto.js';
import { GenerationRepository } from './generation.repository.js';
import { roundInFlight } from './reply-errors.js';
import { type Cast, RoundCasting, type RoundOptions } from './round-casting.js';
import type { RoundJob } from './round-job.js';
import { RoundRunner } from './round-runner.js';
import { numberedRound } from './streaming/reply-cursor.js';
import type { ReplyEvent } from './streaming/reply-event.js';
import { ReplyRegistry } from './streaming/reply-registry.js';

type Prepared = Cast & Pick<RoundJob, 'chat' | 'caller'>;

const nothingToContinue = () =>
  new ConflictException(
    "There is no reply to continue: the story does not end with a character's message",
  );

/**
 * The rounds that rework the story's end instead of adding a user message to it: regenerate
 * (a new alternative of the last round), edit-last and resend (a sibling of a user message,
 * answered anew) and continue (more of the last reply). Each checks what it can first
 * (the chat, the cast), takes a message from the quota meanwhile, then claims the chat in the
 * statement that prepares the story (GenerationRepository.start*) and hands the round to
 * RoundRunner; whatever fails before the round starts gives the claim and the quota back.
 * A new message's round is ReplyService.send's.
 */
@Injectable()
export class StoryRounds {
  constructor(
    private readonly chats: ChatService,
    private readonly generations: GenerationRepository,
    private readonly quota: MessageQuotaService,
    private readonly casting: RoundCasting,
    private readonly runner: RoundRunner,
    private readonly registry: ReplyRegistry,
    private readonly moderation: ChatModeration,
    private readonly tokenizer: TokenEstimator,
  ) {}

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
      if (!state.claimed) throw roundInFlight(chat.kind);
      if (state.userMessageId === null) {
        await this.generations.release(chat.id, this.registry.instanceId);
        throw new ConflictException('There is no reply to regenerate: send a message first');
      }
      return numberedRound(
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
        await this.tokenizer.count(dto.content),
      );
      if (!state.claimed) throw roundInFlight(chat.kind);
      if (state.userMessageId === null) {
        await this.generations.release(chat.id, this.registry.instanceId);
        throw messageId === null
          ? new ConflictException('There is no message of yours to edit in this chat')
          : // Deleted since it was checked.
            new NotFoundException('Message not found in this chat');
      }
      return numberedRound(
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
      if (!state.claimed) throw roundInFlight(chat.kind);
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
      return numberedRound(
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
