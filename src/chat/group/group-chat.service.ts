import { Injectable, NotFoundException } from '@nestjs/common';
import { CharactersService } from '../../characters/characters.service.js';
import type { CharacterEntity } from '../../characters/entities/character.entity.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { type ChatListQueryDto, toChatCharacter } from '../dto/chat.dto.js';
import type { MessagesQueryDto } from '../dto/message.dto.js';
import type {
  CreateGroupChatDto,
  GroupChatDetailDto,
  GroupChatPageDto,
  GroupChatResponseDto,
  GroupMessageDto,
  GroupMessagePageDto,
} from './dto/group-chat.dto.js';
import type { GroupMessageEntity } from './entities/group-message.entity.js';
import { GroupChatRepository, type GroupChatState } from './group-chat.repository.js';
import { GroupRounds } from './group-rounds.js';

/** Messages GET /api/group-chats/{id} includes; older ones are paged through /messages. */
const RECENT_MESSAGES = 50;

const toMessageDto = (message: GroupMessageEntity): GroupMessageDto => ({
  id: Number(message.id),
  role: message.role,
  character_id: message.characterId,
  content: message.content,
  status: message.status,
  model_used: message.modelUsed,
  prompt_tokens: message.promptTokens,
  completion_tokens: message.completionTokens,
  created_at: message.createdAt.toISOString(),
});

/** Group chats of signed-in users: creating, listing, reading, deleting. */
@Injectable()
export class GroupChatService {
  constructor(
    private readonly groups: GroupChatRepository,
    private readonly characters: CharactersService,
    private readonly rounds: GroupRounds,
  ) {}

  /** Every character must be one the user may see now; the order is the speaking order. */
  async create(dto: CreateGroupChatDto, user: AuthUser): Promise<GroupChatResponseDto> {
    const [characters, preferred] = await Promise.all([
      Promise.all(
        dto.character_ids.map((id) =>
          this.characters.findVisible(id, user).catch((error: unknown) => {
            if (!(error instanceof NotFoundException)) throw error;
            throw new NotFoundException(`Character ${id} not found`);
          }),
        ),
      ),
      dto.language ? null : this.characters.displayLanguage(user),
    ]);
    const state = await this.groups.create(
      user.id,
      dto.title || null,
      dto.language ?? preferred!,
      characters.map((character) => character.id),
    );
    return this.toResponse(state, this.byId(characters));
  }

  async list(query: ChatListQueryDto, user: AuthUser): Promise<GroupChatPageDto> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    const rows = await this.groups.list(user.id, (page - 1) * pageSize, pageSize + 1);
    const shown = rows.slice(0, pageSize);
    const characters = await this.charactersOf(shown);
    return {
      items: shown.map((state) => this.toResponse(state, characters)),
      page,
      page_size: pageSize,
      has_more: rows.length > pageSize,
    };
  }

  async get(id: string, user: AuthUser): Promise<GroupChatDetailDto> {
    const state = await this.requireOwned(id, user);
    const [characters, messages] = await Promise.all([
      this.charactersOf([state]),
      this.groups.messages(id, RECENT_MESSAGES + 1),
    ]);
    return {
      ...this.toResponse(state, characters),
      messages: messages.slice(0, RECENT_MESSAGES).reverse().map(toMessageDto),
      has_more_messages: messages.length > RECENT_MESSAGES,
    };
  }

  /** A page of messages, oldest first, older than `before_id` (the latest without it). */
  async messages(
    id: string,
    query: MessagesQueryDto,
    user: AuthUser,
  ): Promise<GroupMessagePageDto> {
    await this.requireOwned(id, user);
    const limit = query.limit ?? 50;
    const rows = await this.groups.messages(id, limit + 1, query.before_id);
    return {
      messages: rows.slice(0, limit).reverse().map(toMessageDto),
      has_more: rows.length > limit,
    };
  }

  /** Deletes the group chat with its messages; its round (on any instance) is stopped first. */
  async remove(id: string, user: AuthUser): Promise<void> {
    const { chat } = await this.requireOwned(id, user);
    await this.rounds.removeStopping(chat.id, user.id, async () => {
      if (!(await this.groups.delete(chat.id, user.id))) {
        throw new NotFoundException('Group chat not found');
      }
    });
  }

  /** The group chat if it is the user's; someone else's is indistinguishable from none. */
  async requireOwned(id: string, user: AuthUser): Promise<GroupChatState> {
    const state = await this.groups.find(id);
    if (!state || state.chat.userId !== user.id) {
      throw new NotFoundException('Group chat not found');
    }
    return state;
  }

  private toResponse(
    { chat, memberIds, generating }: GroupChatState,
    characters: Map<string, CharacterEntity>,
  ): GroupChatResponseDto {
    return {
      id: chat.id,
      title: chat.title,
      language: chat.language,
      members: memberIds.flatMap((memberId) => {
        const character = characters.get(memberId);
        return character ? [toChatCharacter(character, chat.language)] : [];
      }),
      message_count: chat.messageCount,
      generating,
      created_at: chat.createdAt.toISOString(),
      updated_at: chat.updatedAt.toISOString(),
    };
  }

  /** Members of these group chats, deleted characters included, in one lookup. */
  private async charactersOf(states: GroupChatState[]): Promise<Map<string, CharacterEntity>> {
    const ids = [...new Set(states.flatMap((state) => state.memberIds))];
    return this.byId(await this.characters.findForChats(ids));
  }

  private byId(characters: CharacterEntity[]): Map<string, CharacterEntity> {
    return new Map(characters.map((character) => [character.id, character]));
  }
}
