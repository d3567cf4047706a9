import { Injectable } from '@nestjs/common';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { ChatMessage } from '../llm/llm.types.js';
import type { MemoryUsed } from './entities/message.entity.js';
import { MemoryContextService, type MemoryInput } from './memory-context.service.js';
import type { ContextMessage } from './message.repository.js';
import { macroValues, PromptBuilderService } from './prompt/prompt-builder.service.js';
import { PromptTokens } from './prompt/prompt-tokens.js';
import { withAuthorsNote } from './storytelling/authors-note.js';
import { formatDiceInjection, storedDiceRolls } from './storytelling/dice.js';
import { isDndChat } from './storytelling/dnd.js';
import { formatOtherCharacterMessage } from './storytelling/group-chat.js';
import {
  estimateTokens,
  LOREBOOK_DEFAULTS,
  type LorebookEntryRef,
  type LorebookSelection,
  selectLorebookEntries,
} from './storytelling/lorebook.js';

/** The prompt stays within about this many tokens (spec: sliding window of ~24k tokens). */
export const CONTEXT_TOKEN_BUDGET = 24_000;

/**
 * The newest messages that fit `budget` tokens, oldest first; stops at the first that does not.
 * `tokensOf` gives a message's tokens (its index too): by default about four characters a token.
 */
export function fitHistory<T extends { content: string }>(
  messages: readonly T[],
  budget: number,
  tokensOf: (message: T, index: number) => number = (message) => estimateTokens(message.content),
) {
  let left = budget;
  let start = messages.length;
  while (start > 0 && tokensOf(messages[start - 1], start - 1) <= left) {
    left -= tokensOf(messages[start - 1], start - 1);
    start--;
  }
  return messages.slice(start);
}

/** What `[Name]: ` costs before another character's line, in tokens (a name is a few). */
const SPEAKER_PREFIX_TOKENS = 4;

/** A line of the prompt's history with its tokens. */
type CountedLine = ChatMessage & { tokens: number };

export interface ContextInput extends MemoryInput {
  /** The members taking part in the round, the speaker included (lorebooks, the scene). */
  members: readonly CharacterEntity[];
  /** The latest messages, oldest first, ending with the one to answer. */
  history: ContextMessage[];
  /** Messages in the chat, the one to answer included. */
  messageCount: number;
  userIsAdult: boolean;
  /**
   * The history ends with the speaker's reply to continue: no post-history or dice after it
   * (they would ask for a new reply; the continue nudge follows instead).
   */
  continuing?: boolean;
}

/** What a reply is written from. */
export interface ReplyContext {
  messages: ChatMessage[];
  /** The lorebook entries the system prompt carries, recorded on the reply. */
  lorebook: LorebookEntryRef[];
  /**
   * The ids of the remembered facts, pinned notes and recalled messages the prompt carries,
   * recorded on the reply (`message.memory_used`); null when it carries none.
   */
  memory: MemoryUsed | null;
}

/**
 * What the model is sent for a reply: the system prompt (card, persona, rules, the members'
 * lorebooks under one budget); the memory blocks (MemoryContextService: memories and pinned
 * notes, the chat's summary, recalled passages); as much recent history as fits, as the
 * speaker reads it; the new message; the dice and post-history instruction; the author's note.
 * Who answers and with what sampling is ReplyRouting's.
 */
@Injectable()
export class ReplyContextService {
  constructor(
    private readonly prompts: PromptBuilderService,
    private readonly settings: SettingsService,
    @InjectConfig() private readonly config: AppConfig,
    private readonly memory: MemoryContextService,
    private readonly tokens: PromptTokens,
  ) {}

  async messages(input: ContextInput): Promise<ChatMessage[]> {
    return (await this.build(input)).messages;
  }

  async build(input: ContextInput): Promise<ReplyContext> {
    const { chat, character, history } = input;
    const isDnd = isDndChat(character);
    const lines = await this.linesFor(input);
    const earlier = lines.slice(0, -1);
    const last = lines.at(-1);
    const newest: ChatMessage | undefined = last && { role: last.role, content: last.content };
    const ownLast = history.findLast((message) => this.isOwn(input, message));
    const lorebook = this.lorebooks(input);
    const others = input.members.filter((member) => member.id !== character.id);
    // The card's own prompts (SillyTavern's semantics), unless an admin turned them off.
    const cardPrompts = await this.settings.get('use_card_prompts');
    const [system, postHistory] = await Promise.all([
      this.prompts.systemPrompt({
        character,
        persona: { name: chat.personaName, description: chat.personaDescription },
        language: chat.language,
        userIsAdult: input.userIsAdult,
        isDnd,
        lorebook,
        ...(chat.kind === 'group'
          ? { otherCharacters: others.map((other) => input.names.get(other.id) ?? other.name) }
          : {}),
        cardPrompts,
      }),
      this.prompts.postHistory({
        language: chat.language,
        chatId: chat.id,
        messageCount: input.messageCount,
        lastAssistantText: ownLast?.content ?? null,
        contentRating: character.contentRating,
        isDnd,
        userIsAdult: input.userIsAdult,
        isFiction: this.config.site.mode === 'fiction',
        ...(cardPrompts && character.postHistoryInstructions?.trim()
          ? {
              card: {
                instructions: character.postHistoryInstructions,
                macros: macroValues(character, chat.personaName, chat.language),
              },
            }
          : {}),
      }),
    ]);
    // The rolls the GM asked for in its last reply, so it narrates their outcome first. Its own:
    // in a group chat another member may have spoken since, and must not narrate them.
    const dice = formatDiceInjection(storedDiceRolls(ownLast?.diceRolls), chat.language);
    // Read last, after the newest turn: closest to generation is where an instruction weighs
    // most. Providers whose models read system messages only at the top move them into that
    // turn (foldLateSystemMessages).
    const late = input.continuing ? {} : { dice, postHistory };
    const tail: ChatMessage[] = [
      ...(newest ? [newest] : []),
      ...(late.dice ? [{ role: 'system' as const, content: late.dice }] : []),
      ...(late.postHistory ? [{ role: 'system' as const, content: late.postHistory }] : []),
    ];
    const note = chat.settings.author_note;
    // After the system prompt, which stays the same turn after turn (provider prompt caches).
    const memory = await this.memory.blocks(input);
    const [systemTokens, tailTokens, noteTokens] = await Promise.all([
      this.tokens.of(system),
      this.tokens.ofMessages(tail),
      this.tokens.of(note?.text ?? ''),
    ]);
    const budget = CONTEXT_TOKEN_BUDGET - systemTokens - memory.tokens - tailTokens - noteTokens;
    // Most stable first, so a provider's prompt cache (a shared prefix) reaches furthest: the
    // system prompt (same every turn), the memories (change when a fact is learned), the summary
    // (every few dozen messages), the recalled passages (every turn), then the conversation.
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      ...memory.blocks.map((content) => ({ role: 'system' as const, content })),
      ...fitHistory(earlier, budget, (line) => line.tokens).map(({ role, content }) => ({
        role,
        content,
      })),
      ...tail,
    ];
    // The chat's author's note, a step of its own: where it goes depends on the finished order.
    return {
      messages: withAuthorsNote(messages, note),
      lorebook: lorebook.fired,
      memory: memory.used,
    };
  }

  /** A line the speaker wrote: its own, or any character line of a direct chat. */
  private isOwn({ chat, character }: ContextInput, message: ContextMessage): boolean {
    if (message.role !== 'assistant') return false;
    return message.characterId === character.id || (chat.kind === 'direct' && !message.characterId);
  }

  /**
   * The history as the speaker reads it: its own lines as assistant, the user's as user, and
   * another character's as a user message prefixed `[Name]:` (so the model answers it instead
   * of continuing it). A line of a character that no longer exists cannot be attributed: out.
   * Turns alternate: user lines in a row are one turn, so a message whose reply failed (a
   * direct chat keeps it) is answered with the next one instead of dangling unanswered.
   */
  private async linesFor(input: ContextInput): Promise<CountedLine[]> {
    // Stored counts; only rows from before they were stored are counted here.
    const counts = await Promise.all(
      input.history.map((message) => message.tokens ?? this.tokens.of(message.content)),
    );
    const lines: CountedLine[] = [];
    for (const [index, message] of input.history.entries()) {
      let line: CountedLine | null = {
        role: message.role,
        content: message.content,
        tokens: counts[index],
      };
      if (message.role === 'assistant' && !this.isOwn(input, message)) {
        const name = message.characterId && input.names.get(message.characterId);
        line = name
          ? {
              ...formatOtherCharacterMessage(name, message.content),
              tokens: counts[index] + SPEAKER_PREFIX_TOKENS,
            }
          : null;
      }
      if (!line) continue;
      const previous = lines.at(-1);
      if (line.role === 'user' && previous?.role === 'user') {
        lines[lines.length - 1] = {
          role: 'user',
          content: `${previous.content}\n\n${line.content}`,
          tokens: previous.tokens + line.tokens + 1,
        };
      } else lines.push(line);
    }
    return lines;
  }

  /**
   * The entries the recent messages trigger in the members' lorebooks, the speaker's first,
   * all under one token budget (what one book may use).
   */
  private lorebooks({ character, members, history }: ContextInput): LorebookSelection {
    // Keys are looked for in the book's scan_depth latest messages, the new one included.
    const recent = history.map((message) => message.content);
    const books = [character, ...members.filter((member) => member.id !== character.id)];
    const merged: LorebookSelection = { before: [], after: [], fired: [], steps: 0, cached: true };
    let budget: number = LOREBOOK_DEFAULTS.maxTokenBudget;
    for (const member of books) {
      if (budget <= 0) break;
      const selection = selectLorebookEntries(member.characterBook, recent, {
        maxTokenBudget: budget,
        // Every edit moves updated_at: the compiled book is reused until then.
        cacheKey:
          member.updatedAt instanceof Date
            ? `${member.id}@${member.updatedAt.getTime()}`
            : undefined,
      });
      merged.before.push(...selection.before);
      merged.after.push(...selection.after);
      merged.fired.push(...selection.fired);
      merged.steps += selection.steps;
      merged.cached &&= selection.cached;
      budget -= [...selection.before, ...selection.after].reduce(
        (total, content) => total + estimateTokens(content),
        0,
      );
    }
    return merged;
  }
}
