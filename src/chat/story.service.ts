import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { SseSource } from '../common/http/sse.js';
import type { ChatCaller } from './chat-caller.js';
import { ChatModeration } from './chat-moderation.service.js';
import { ChatService } from './chat.service.js';
import { type ChatResponseDto, MAX_CHAT_TITLE_LENGTH } from './dto/chat.dto.js';
import {
  type ChatMessageDto,
  type MessagePageDto,
  type SendMessageDto,
  toMessageResponse,
} from './dto/message.dto.js';
import { MessageTreeRepository, type TreeChange } from './message-tree.repository.js';
import { MessageEmbedder } from './memory/message-embedder.service.js';
import { StoryRounds } from './story-rounds.js';
import type { ReplyEvent } from './streaming/reply-event.js';

/** A message id of another chat (or none) is indistinguishable from a missing one. */
const messageNotFound = () => new NotFoundException('Message not found in this chat');

const replyInFlight = () =>
  new ConflictException(
    'A reply is being written in this chat: wait for it (or stop it) before changing the story',
  );

const BRANCH_SUFFIX = ' (branch)';

/**
 * Story control: the user steers a chat's message tree — picks an alternative, edits or
 * deletes any message, resends an earlier message of theirs, rewinds, or branches the story
 * into a new chat. Only the chat's owner (a guest session too); never while a reply is being
 * written in it (409).
 */
@Injectable()
export class StoryService {
  constructor(
    private readonly chats: ChatService,
    private readonly tree: MessageTreeRepository,
    private readonly rounds: StoryRounds,
    private readonly moderation: ChatModeration,
    private readonly embedder: MessageEmbedder,
  ) {}

  /**
   * Makes the `index`-th alternative at message `messageId`'s place active (with what was last
   * active below it); answers the story as it now stands.
   */
  async select(
    chatId: string,
    messageId: number,
    index: number,
    caller: ChatCaller,
  ): Promise<MessagePageDto> {
    await this.chats.requireOwned(chatId, caller);
    const change = await this.tree.select(chatId, messageId, index);
    if (change.status === 'out_of_range') {
      throw new BadRequestException(
        `index must be below ${change.count}: this message has ${change.count} alternative(s)`,
      );
    }
    settled(change);
    return this.chats.messages(chatId, {}, caller);
  }

  async edit(
    chatId: string,
    messageId: number,
    content: string,
    caller: ChatCaller,
  ): Promise<ChatMessageDto> {
    // Whose chat it is first: nobody else's edit costs a screening (a provider call).
    await this.chats.requireOwned(chatId, caller);
    // The edited text goes to the model with the history: screened as a message is.
    await this.moderation.screenInput(content, caller);
    const change = await this.tree.edit(chatId, messageId, content);
    settled(change);
    // The edit cleared the message's embedding (tr_message_embedding_stale): a new one, later.
    this.embedder.trigger(chatId, messageId);
    return toMessageResponse(change.message);
  }

  /**
   * Sends a user message of the active path again with new text: a sibling of it (the old one
   * and what followed stay, an alternative branch), answered by a new round (streamed).
   */
  async resend(
    chatId: string,
    messageId: number,
    dto: SendMessageDto,
    caller: ChatCaller,
  ): Promise<SseSource<ReplyEvent>> {
    await this.chats.requireOwned(chatId, caller);
    const place = await this.tree.placeOf(chatId, messageId);
    if (!place) throw messageNotFound();
    if (place.role !== 'user') {
      throw new ConflictException('Only a message of yours can be resent: this one is not');
    }
    if (!place.onActivePath) {
      throw new ConflictException(
        'This message is not on the story as it stands: select its branch first',
      );
    }
    return this.rounds.resend(chatId, messageId, dto, caller);
  }

  /** Deletes one message (its replies move up in its place); answers the story as it stands. */
  async remove(chatId: string, messageId: number, caller: ChatCaller): Promise<MessagePageDto> {
    await this.chats.requireOwned(chatId, caller);
    settled(await this.tree.remove(chatId, messageId));
    return this.chats.messages(chatId, {}, caller);
  }

  /** Takes the story back to a message of it: everything after it goes. */
  async rewind(chatId: string, messageId: number, caller: ChatCaller): Promise<MessagePageDto> {
    await this.chats.requireOwned(chatId, caller);
    const change = await this.tree.rewind(chatId, messageId);
    if (change.status === 'off_path') {
      throw new ConflictException(
        'message_id is not on the story as it stands: select its branch first, or branch from it',
      );
    }
    settled(change);
    return this.chats.messages(chatId, {}, caller);
  }

  /** A new chat whose story is this one's up to message `messageId`; the original stays. */
  async branch(chatId: string, messageId: number, caller: ChatCaller): Promise<ChatResponseDto> {
    const original = await this.chats.get(chatId, caller);
    const title =
      (original.title ?? original.character.name).slice(
        0,
        MAX_CHAT_TITLE_LENGTH - BRANCH_SUFFIX.length,
      ) + BRANCH_SUFFIX;
    const branch = await this.tree.branch(chatId, messageId, title);
    if (!branch) throw messageNotFound();
    return this.chats.get(branch.id, caller);
  }
}

/** Throws what a change that did not happen means; narrows to the done change. */
function settled<Done>(change: TreeChange<Done>): asserts change is { status: 'done' } & Done {
  if (change.status === 'missing') throw messageNotFound();
  if (change.status === 'busy') throw replyInFlight();
}
