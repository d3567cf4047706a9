import { BadRequestException, Injectable } from '@nestjs/common';
import { TIER_LIMITS } from '../../auth/tiers.js';
import { type ChatCaller, tierOf } from '../chat-caller.js';
import { ChatService, chatNotFound } from '../chat.service.js';
import type { ChatEntity } from '../entities/chat.entity.js';
import { CharacterMemoryService } from './character-memory.service.js';
import { type ChatMemoryResponseDto, type UpdateChatMemoryDto } from './chat-memory.dto.js';
import {
  type ChatMemoryState,
  ChatMemoryRepository,
  type PinnedNote,
} from './chat-memory.repository.js';

/**
 * A chat's memory panel: the summary the user may rewrite, the notes they pin (bounded per
 * tier, TIER_LIMITS), and the author's note (kept in the chat's settings, shown here).
 */
@Injectable()
export class ChatMemoryService {
  constructor(
    private readonly chats: ChatService,
    private readonly memory: ChatMemoryRepository,
    private readonly memories: CharacterMemoryService,
  ) {}

  async get(chatId: string, caller: ChatCaller): Promise<ChatMemoryResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    const state = await this.memory.read(chat.id);
    if (!state) throw chatNotFound();
    return this.toResponse(state, chat, caller);
  }

  async update(
    chatId: string,
    dto: UpdateChatMemoryDto,
    caller: ChatCaller,
  ): Promise<ChatMemoryResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    if (dto.pinned_notes) this.requireWithinTier(dto.pinned_notes, caller);
    const saved = await this.memory.save(chat.id, {
      ...(dto.summary !== undefined ? { summary: dto.summary || null } : {}),
      ...(dto.pinned_notes ? { notes: dto.pinned_notes } : {}),
    });
    const state = saved ? await this.memory.read(chat.id) : null;
    if (!state) throw chatNotFound();
    return this.toResponse(state, chat, caller);
  }

  /** The notes a prompt of the chat carries, in order. */
  notesFor(chatId: string): Promise<PinnedNote[]> {
    return this.memory.notes(chatId);
  }

  private requireWithinTier(notes: ReadonlyArray<{ text: string }>, caller: ChatCaller): void {
    const tier = tierOf(caller);
    const { pinnedNotes, pinnedNoteChars } = TIER_LIMITS[tier];
    const label = tier === 'anon' ? 'guest' : tier;
    if (notes.length > pinnedNotes) {
      throw new BadRequestException(
        `pinned_notes: at most ${pinnedNotes} notes on the ${label} tier (${notes.length} sent)`,
      );
    }
    const long = notes.findIndex((note) => note.text.length > pinnedNoteChars);
    if (long >= 0) {
      throw new BadRequestException(
        `pinned_notes[${long}].text: at most ${pinnedNoteChars} characters on the ${label} tier`,
      );
    }
  }

  private async toResponse(
    state: ChatMemoryState,
    chat: Pick<ChatEntity, 'id' | 'characterId' | 'settings'>,
    caller: ChatCaller,
  ): Promise<ChatMemoryResponseDto> {
    const limits = TIER_LIMITS[tierOf(caller)];
    const note = chat.settings.author_note;
    const memories = caller.user
      ? await this.memories.forChat(caller.user.id, chat.characterId, chat.id)
      : [];
    return {
      summary: state.summary,
      summary_edited_at: state.summaryEditedAt?.toISOString() ?? null,
      summarized_through_message_id: state.summarizedThroughId,
      pinned_notes: state.notes.map(({ id, text }) => ({ id, text })),
      pinned_note_limits: { count: limits.pinnedNotes, chars: limits.pinnedNoteChars },
      author_note: note ? { text: note.text, depth: note.depth } : null,
      memories,
    };
  }
}
