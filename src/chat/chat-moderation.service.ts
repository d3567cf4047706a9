import { Injectable, Logger } from '@nestjs/common';
import { ViolationService } from '../auth/violations/violation.service.js';
import type { ViolationSubject } from '../auth/violations/violation-policy.js';
import { describeError } from '../common/lifecycle/describe-error.js';
import { ModerationService } from '../moderation/moderation.service.js';
import type { ModerationHit } from '../moderation/moderation.types.js';
import type { ChatCaller } from './chat-caller.js';
import { ReplyScreen } from './reply-screen.js';

/** Who a chat violation counts against: the caller (user or guest) and its address. */
const subjectOf = (caller: ChatCaller): ViolationSubject => ({
  userId: caller.user?.id ?? null,
  address: caller.address ?? null,
});

/**
 * The chat's moderation hooks (src/moderation does the reading): user text refused before a
 * round spends anything, each reply screened as it streams, and what follows a hit — the
 * violation, the review queue.
 */
@Injectable()
export class ChatModeration {
  private readonly logger = new Logger(ChatModeration.name);

  constructor(
    private readonly moderation: ModerationService,
    private readonly violations: ViolationService,
  ) {}

  /**
   * Checks text the user sends toward a model (a message, an edit). Refused (minors_sexual,
   * or any category an admin gave a refuse threshold): a refused_input violation against the
   * caller and its address, and the 422 a refused character gets, naming `content` and the
   * category. Called before the quota, the claim or anything else.
   */
  async screenInput(content: string, caller: ChatCaller): Promise<void> {
    const check = await this.moderation.checkText({ content }, 'input');
    if (check.verdict !== 'refuse') return;
    await this.violations.record(subjectOf(caller), 'refused_input');
    throw this.moderation.refusalOf(check);
  }

  /** The screen of one reply of a character (its rating decides how sexual text is read). */
  replyScreen(nsfw: boolean): ReplyScreen {
    return new ReplyScreen(this.moderation.outputScanner({ nsfw }));
  }

  /** A reply stopped by the scan counts against the chat's owner (who asked for it). */
  hardOutput(caller: ChatCaller): Promise<void> {
    return this.violations.record(subjectOf(caller), 'hard_output');
  }

  /** A saved reply with softer hits goes to the review queue; never throws. */
  async flagReply(reply: {
    messageId: number;
    chatId: string;
    characterId: string;
    hits: ModerationHit[];
  }): Promise<void> {
    try {
      await this.moderation.flagMessage({
        messageId: String(reply.messageId),
        chatId: reply.chatId,
        userId: null,
        characterId: reply.characterId,
        stage: 'output',
        hits: reply.hits,
      });
    } catch (error) {
      this.logger.error(`Reply ${reply.messageId} not flagged for review: ${describeError(error)}`);
    }
  }
}
