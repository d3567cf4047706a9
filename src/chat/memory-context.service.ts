import { Injectable } from '@nestjs/common';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { ChatWithMembers } from './chat-rows.js';
import type { MemoryUsed } from './entities/message.entity.js';
import type { RecalledPassage } from './memory/retriever.js';
import { PromptBuilderService } from './prompt/prompt-builder.service.js';
import { PromptTokens } from './prompt/prompt-tokens.js';
import {
  formatMemoryBlock,
  formatRecalled,
  MAX_RECALLED_CHARS,
} from './storytelling/memory-prompt.js';
import { isDndChat } from './storytelling/dnd.js';

/** Recalled passages of the chat's past take at most this many tokens of the prompt. */
export const RECALL_TOKEN_BUDGET = 1_000;
/** The user in recalled passages when the chat has no persona. */
const USER_LABEL = 'User';

/** What a speaker's prompt remembers beyond its recent messages (read by RoundRunner). */
export interface MemoryInput {
  chat: ChatWithMembers;
  /** The character about to speak. */
  character: CharacterEntity;
  /** Every member's name by id (absent ones too), for their recalled lines. */
  names: ReadonlyMap<string, string>;
  /** What the speaker remembers about the user (character memories), most important first. */
  facts?: ReadonlyArray<{ id: number; text: string }>;
  /** Passages of the chat's past, older than the history, relevant to the newest turn. */
  recalled?: readonly RecalledPassage[];
}

/** The memory part of a prompt, ready to place. */
export interface MemoryBlocks {
  /**
   * Each a system message of its own after the system prompt, most stable first: memories and
   * pinned notes, the summary, the recalled passages (those present).
   */
  blocks: string[];
  /** What the blocks cost together, taken off the history's budget. */
  tokens: number;
  /** The ids of the facts, pinned notes and recalled messages carried; null when none. */
  used: MemoryUsed | null;
}

/**
 * The memory part of a reply's context (ReplyContextService places it): the character's facts
 * about the user and the chat's pinned notes, the chat's summary, and the recalled passages
 * that fit RECALL_TOKEN_BUDGET, with the ids the reply records (`message.memory_used`). Finding
 * facts and passages is RoundRunner's (CharacterMemoryService, the Retriever); this formats.
 */
@Injectable()
export class MemoryContextService {
  constructor(
    private readonly prompts: PromptBuilderService,
    private readonly tokens: PromptTokens,
  ) {}

  async blocks(input: MemoryInput): Promise<MemoryBlocks> {
    const { chat, character } = input;
    const facts = input.facts ?? [];
    const notes = chat.pinnedNotes ?? [];
    const memory = formatMemoryBlock(
      {
        facts: facts.map((fact) => fact.text),
        notes: notes.map((pinned) => pinned.text),
        characterName: input.names.get(character.id) ?? character.name,
        campaign: isDndChat(character),
      },
      chat.language,
    );
    const summary = await this.prompts.summaryBlock({
      character,
      persona: { name: chat.personaName, description: chat.personaDescription },
      language: chat.language,
      summary: chat.summary,
    });
    const passages = await this.recalledWithin(input, RECALL_TOKEN_BUDGET);
    const recalled = formatRecalled(
      passages.map((passage) => ({
        speaker:
          passage.role === 'user'
            ? chat.personaName?.trim() || USER_LABEL
            : ((passage.characterId && input.names.get(passage.characterId)) ?? character.name),
        content: passage.content,
      })),
      chat.language,
    );
    const blocks = [memory, summary, recalled].filter((block): block is string => Boolean(block));
    return {
      blocks,
      tokens: await this.tokens.of(blocks.join('\n\n')),
      used:
        facts.length + notes.length + passages.length > 0
          ? {
              facts: facts.map((fact) => fact.id),
              notes: notes.map((pinned) => pinned.id),
              messages: passages.map((passage) => passage.messageId),
            }
          : null,
    };
  }

  /** The recalled passages, best first, that fit `budget` tokens (each cut as the prompt cuts it). */
  private async recalledWithin(input: MemoryInput, budget: number): Promise<RecalledPassage[]> {
    const kept: RecalledPassage[] = [];
    let left = budget;
    for (const passage of input.recalled ?? []) {
      const tokens = await this.tokens.of(passage.content.slice(0, MAX_RECALLED_CHARS));
      if (tokens > left) continue;
      left -= tokens;
      kept.push(passage);
    }
    return kept;
  }
}
