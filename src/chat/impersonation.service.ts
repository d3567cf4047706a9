import { ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { type LimitTier, tierAtLeast } from '../auth/tiers.js';
import { MessageQuotaService, type QuotaTicket } from '../auth/usage/message-quota.service.js';
import { UsersService } from '../auth/users.service.js';
import type { SseSource } from '../common/http/sse.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { type LlmRequest, LlmService } from '../llm/llm.service.js';
import { type ChatCaller, quotaSubjectOf, tierOf } from './chat-caller.js';
import { ChatModeration } from './chat-moderation.service.js';
import { ChatService } from './chat.service.js';
import type { ImpersonationEvent } from './dto/impersonation.dto.js';
import type { GenerationOptionsDto } from './dto/message.dto.js';
import { PersonaReplyService } from './persona-reply.service.js';
import { ReplyModerated, replyErrorMessage } from './reply-errors.js';

const TIER_NAMES: Record<LimitTier, string> = {
  anon: 'guests',
  free: 'signed-in users',
  premium: 'premium users',
  admin: 'admins',
};

/**
 * Impersonation: the model suggests the user's next line, written as their persona, streamed
 * and not saved (the prompt of PersonaReplyService). Open from the tier the
 * `impersonate_min_tier` setting names; it takes a message from the daily limit, given back
 * when the model produces nothing.
 */
@Injectable()
export class ImpersonationService {
  private readonly logger = new Logger(ImpersonationService.name);

  constructor(
    private readonly chats: ChatService,
    private readonly personaReplies: PersonaReplyService,
    private readonly settings: SettingsService,
    private readonly quota: MessageQuotaService,
    private readonly llm: LlmService,
    private readonly users: UsersService,
    private readonly moderation: ChatModeration,
  ) {}

  /** Checks everything, takes the message, then streams once the response is ready. */
  async suggest(
    chatId: string,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<SseSource<ImpersonationEvent>> {
    // Someone else's chat is a 404 whatever the tier, as everywhere.
    const { chat } = await this.chats.requireOwned(chatId, caller);
    const minimum = (await this.settings.get('impersonate_min_tier')) as LimitTier;
    if (!tierAtLeast(tierOf(caller), minimum)) {
      throw new ForbiddenException(
        `Suggesting your next line is open to ${TIER_NAMES[minimum]}` +
          (caller.user ? '' : ': sign in to use it'),
      );
    }
    const request = await this.personaReplies.request(chat, options, caller);
    const ticket = await this.quota.consume(quotaSubjectOf(caller));
    const abort = new AbortController();
    let subscribed = false;
    return {
      subscribe: (send, end) => {
        subscribed = true;
        void this.write({ ...request, signal: abort.signal }, caller, ticket, send, end);
        return () => abort.abort();
      },
      // The client left before the stream began: nothing was written.
      close: () => {
        if (!subscribed) void this.refund(ticket);
        abort.abort();
      },
    };
  }

  /** Streams the suggestion to `send`; never throws. */
  private async write(
    request: LlmRequest,
    caller: ChatCaller,
    ticket: QuotaTicket,
    send: (event: ImpersonationEvent) => void,
    end: () => void,
  ): Promise<void> {
    let text = '';
    let tokens = 0;
    let failure: unknown;
    // Screened as a round's reply is (the user may send it as is; it is read then too).
    const screen = this.moderation.replyScreen(false, (cleared) => {
      text += cleared;
      if (!request.signal?.aborted) send({ type: 'token', content: cleared });
    });
    try {
      for await (const event of this.llm.stream(request)) {
        if (event.type !== 'delta') tokens = event.promptTokens + event.completionTokens;
        else if (!screen.push(event.text)) break;
      }
    } catch (error) {
      failure = error;
    }
    screen.finish();
    if (screen.refused) {
      failure = new ReplyModerated(screen.cause?.category ?? 'minors_sexual');
      text = '';
      await this.moderation.hardOutput(caller);
    }
    const content = text.trim();
    // Given back before the client hears of it, as a round's.
    if (!content) await this.refund(ticket);
    // Unless the client left: nobody to tell.
    if (!request.signal?.aborted) {
      if (content && failure === undefined) {
        send({
          type: 'done',
          content,
          ...(caller.user === null && ticket.remaining !== null
            ? { anon_messages_left: ticket.remaining }
            : {}),
        });
      } else {
        if (failure !== undefined) {
          this.logger.warn(`Impersonation failed: ${replyErrorMessage(failure, true)}`);
        }
        send({
          type: 'error',
          message:
            failure === undefined
              ? 'The model wrote nothing: try again'
              : replyErrorMessage(failure, caller.user?.role === 'admin'),
        });
      }
      end();
    }
    if (caller.user) this.users.countTokens(caller.user.id, tokens);
  }

  private async refund(ticket: QuotaTicket): Promise<void> {
    await this.quota.refund(ticket).catch((error: Error) => {
      this.logger.warn(`Message of an impersonation not given back: ${error.message}`);
    });
  }
}
