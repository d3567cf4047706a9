import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { CharactersService } from '../../characters/characters.service.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import {
  type CharacterMemoryListDto,
  type CharacterMemoryResponseDto,
  type CreateMemoryDto,
  toMemoryResponse,
  type UpdateMemoryDto,
} from './character-memory.dto.js';
import { CharacterMemoryRepository } from './character-memory.repository.js';

/** The most facts a list returns, and the most live ones a user may add about a character. */
export const MEMORY_LIST_LIMIT = 200;
/** The most facts one prompt carries. */
export const PROMPT_FACTS = 20;

const memoryNotFound = () => new NotFoundException('Memory not found');

/**
 * A user's memories of a character, as they list and change them: only ever the caller's own
 * (the character's owner never sees them). Learned by MemoryExtractor.
 */
@Injectable()
export class CharacterMemoryService {
  constructor(
    private readonly memories: CharacterMemoryRepository,
    private readonly characters: CharactersService,
  ) {}

  async list(
    user: AuthUser,
    characterId: string,
    history: boolean,
  ): Promise<CharacterMemoryListDto> {
    const facts = await this.memories.list(user.id, characterId, {
      history,
      limit: MEMORY_LIST_LIMIT,
    });
    return { memories: facts.map(toMemoryResponse) };
  }

  async create(
    user: AuthUser,
    characterId: string,
    dto: CreateMemoryDto,
  ): Promise<CharacterMemoryResponseDto> {
    // Only a character the user can see (a private one of someone else's is a 404, as if it
    // did not exist): its facts go into the user's chats with it.
    await this.characters.findVisible(characterId, user);
    const fact = await this.memories.add(
      user.id,
      characterId,
      {
        text: dto.text,
        kind: dto.kind,
        importance: dto.importance ?? 3,
        pinned: dto.pinned ?? true,
      },
      MEMORY_LIST_LIMIT,
    );
    if (fact === 'full') {
      throw new ConflictException(
        `You keep ${MEMORY_LIST_LIMIT} memories of this character, the most there can be: ` +
          'forget one first',
      );
    }
    if (!fact) throw new NotFoundException('Character not found');
    return toMemoryResponse(fact);
  }

  async update(
    user: AuthUser,
    characterId: string,
    id: number,
    dto: UpdateMemoryDto,
  ): Promise<CharacterMemoryResponseDto> {
    const fact = await this.memories.update(user.id, characterId, id, dto);
    if (!fact) throw memoryNotFound();
    return toMemoryResponse(fact);
  }

  async delete(user: AuthUser, characterId: string, id: number): Promise<void> {
    if (!(await this.memories.delete(user.id, characterId, id))) throw memoryNotFound();
  }

  /** The facts a prompt of the user's chat carries (see CharacterMemoryRepository.forPrompt). */
  forPrompt(userId: string, characterId: string, chatId: string) {
    return this.memories.forPrompt(userId, characterId, chatId, PROMPT_FACTS);
  }

  /** The current facts shown in a chat's memory panel. */
  async forChat(userId: string, characterId: string, chatId: string) {
    const facts = await this.memories.list(userId, characterId, { limit: MEMORY_LIST_LIMIT });
    return facts.filter((fact) => !fact.chatOnly || fact.chatId === chatId).map(toMemoryResponse);
  }
}
