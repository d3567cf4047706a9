import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { ChatCaller } from './chat-caller.js';
import { ChatControlsRepository } from './chat-controls.repository.js';
import { ChatService } from './chat.service.js';
import type { ChatResponseDto } from './dto/chat.dto.js';

/**
 * Group controls over a chat's members: who sits rounds out (muted) and the speaking order.
 * Who speaks next, for one message, is the send's `speaker_ids` (ReplyService).
 */
@Injectable()
export class ChatMembersService {
  constructor(
    private readonly chats: ChatService,
    private readonly controls: ChatControlsRepository,
  ) {}

  async setMuted(
    chatId: string,
    characterId: string,
    muted: boolean,
    caller: ChatCaller,
  ): Promise<ChatResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    switch (await this.controls.setMuted(chat.id, characterId.toLowerCase(), muted)) {
      case 'not_member':
        throw new NotFoundException('That character is not a member of this chat');
      case 'last_speaker':
        throw new ConflictException(
          'Every other member is muted: unmute one before muting this one',
        );
      case 'done':
        return this.chats.get(chat.id, caller);
    }
  }

  async reorder(
    chatId: string,
    characterIds: string[],
    caller: ChatCaller,
  ): Promise<ChatResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    const outcome = await this.controls.reorder(chat.id, characterIds);
    if (outcome === 'not_members') {
      throw new BadRequestException(
        `character_ids must list the chat's ${chat.memberIds.length} member(s), each once, ` +
          'in their new order',
      );
    }
    return this.chats.get(chat.id, caller);
  }
}
