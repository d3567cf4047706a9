import { estimateTokens } from './storytelling/lorebook.js';
import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { ModelAllowlistService } from '../llm/models/model-allowlist.service.js';
import { capMaxTokens, type LimitTier } from '../auth/tiers.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../config/configuration.js';
import type { LlmRequest } from '../llm/llm.service.js';
import { TokenEstimator } from '../llm/usage/token-estimator.js';
import { LRUCache } from 'lru-cache';
import type { ChatMessage, GenerationConfig } from '../llm/llm.types.js';
import { PAID_PROVIDERS } from '../llm/models/model-registry.js';
import type { ChatWithMembers } from './chat-rows.js';
import type { ContextMessage } from './message.repository.js';
import type { MemoryUsed } from './entities/message.entity.js';
import type { GenerationOptionsDto } from './dto/message.dto.js';
import { macroValues, PromptBuilderService } from './prompt/prompt-builder.service.js';
import { withAuthorsNote } from './storytelling/authors-note.js';
import { type DiceResult, formatDiceInjection } from './storytelling/dice.js';
import {
  formatMemoryBlock,
  formatRecalled,
  MAX_RECALLED_CHARS,
} from './storytelling/memory-prompt.js';
import type { RecalledPassage } from './memory/retriever.js';
import { isDndChat } from './storytelling/dnd.js';
import { formatOtherCharacterMessage } from './storytelling/group-chat.js';
import {
  LOREBOOK_DEFAULTS,
  type LorebookEntryRef,
  type LorebookSelection,
  selectLorebookEntries,
} from './storytelling/lorebook.js';

/** The prompt stays within about this many tokens (spec: sliding window of ~24k tokens). */
export const CONTEXT_TOKEN_BUDGET = 24_000;

const estimateMessages = (messages: readonly ChatMessage[]): number =>
  messages.reduce((total, message) => total + estimateTokens(message.content), 0);

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

/** Recalled passages of the chat's past take at most this many tokens of the prompt. */
export const RECALL_TOKEN_BUDGET = 1_000;
/** The user in recalled passages when the chat has no persona. */
const USER_LABEL = 'User';

/** What `[Name]: ` costs before another character's line, in tokens (a name is a few). */
const SPEAKER_PREFIX_TOKENS = 4;

/** A line of the prompt's history with its tokens. */
type CountedLine = ChatMessage & { tokens: number };

export interface ContextInput {
  chat: ChatWithMembers;
  /** The character about to speak. */
  character: CharacterEntity;
  /** The members taking part in the round, the speaker included (lorebooks, the scene). */
  members: readonly CharacterEntity[];
  /** Every member's name by id (absent ones too), for their earlier lines. */
  names: ReadonlyMap<string, string>;
  /** The latest messages, oldest first, ending with the one to answer. */
  history: ContextMessage[];
  /** Messages in the chat, the one to answer included. */
  messageCount: number;
  userIsAdult: boolean;
  /** What the speaker remembers about the user (character memories), most important first. */
  facts?: ReadonlyArray<{ id: number; text: string }>;
  /** Passages of the chat's past, older than the history, relevant to the newest turn. */
  recalled?: readonly RecalledPassage[];
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

const isDiceResult = (value: unknown): value is DiceResult => {
  const roll = value as Partial<DiceResult> | null;
  return (
    typeof roll === 'object' &&
    roll !== null &&
    typeof roll.notation === 'string' &&
    typeof roll.total === 'number' &&
    typeof roll.modifier === 'number' &&
    Array.isArray(roll.rolls) &&
    roll.rolls.every((die) => typeof die === 'number')
  );
};

/** The rolls stored on a message (jsonb, so checked rather than trusted). */
const diceOf = (value: unknown): DiceResult[] =>
  Array.isArray(value)
    ? value
        .filter(isDiceResult)
        .map((roll) => ({ ...roll, description: String(roll.description ?? '') }))
    : [];

/** Which provider(s) answer, as LlmService.stream takes it. */
export type ReplyRoute = Pick<LlmRequest, 'provider' | 'providers'> & { model?: string };

/**
 * What the model is sent for a reply: the messages (system prompt; memories and pinned notes;
 * the chat's summary; recalled passages; as much recent history as fits; the new message; the
 * post-history instruction), the sampling settings and the providers the cost mode allows.
 */
@Injectable()
export class ReplyContextService {
  constructor(
    private readonly prompts: PromptBuilderService,
    private readonly settings: SettingsService,
    @InjectConfig() private readonly config: AppConfig,
    private readonly allowlist: ModelAllowlistService,
    // Nest injects the app's one; a default for the benchmark's hand-built service.
    private readonly tokenizer: TokenEstimator = new TokenEstimator(),
  ) {}

  /**
   * Texts a prompt carries build after build (the system prompt, the post-history, messages
   * from before token counts were stored) are counted once: by the text itself, bounded.
   */
  private readonly counted = new LRUCache<string, number>({
    max: 2048,
    maxSize: 16 * 1024 * 1024,
    sizeCalculation: (_tokens, text) => Math.max(1, text.length),
  });

  /** Tokens of `text` by the one tokenizer (TokenEstimator, o200k_base), remembered. */
  async tokensOf(text: string): Promise<number> {
    if (!text) return 0;
    const known = this.counted.get(text);
    if (known !== undefined) return known;
    const tokens = await this.tokenizer.count(text);
    this.counted.set(text, tokens);
    return tokens;
  }

  /** Tokens of a text about to be stored with its count (not remembered here). */
  countNew(text: string): Promise<number> {
    return this.tokenizer.count(text);
  }

  private async tokensOfMessages(messages: readonly ChatMessage[]): Promise<number> {
    const counts = await Promise.all(messages.map((message) => this.tokensOf(message.content)));
    return counts.reduce((total, count) => total + count, 0);
  }

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
    const lastReply = history.findLast((message) => message.role === 'assistant');
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
    // The rolls the GM asked for last turn, so it narrates their outcome first.
    const dice = formatDiceInjection(diceOf(lastReply?.diceRolls), chat.language);
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
    const facts = input.facts ?? [];
    const notes = chat.pinnedNotes ?? [];
    // After the system prompt, which stays the same turn after turn (provider prompt caches).
    const memory = formatMemoryBlock(
      {
        facts: facts.map((fact) => fact.text),
        notes: notes.map((pinned) => pinned.text),
        characterName: input.names.get(character.id) ?? character.name,
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
    const [systemTokens, memoryTokens, tailTokens, noteTokens] = await Promise.all([
      this.tokensOf(system),
      this.tokensOf([memory, summary, recalled].filter(Boolean).join('\n\n')),
      this.tokensOfMessages(tail),
      this.tokensOf(note?.text ?? ''),
    ]);
    const budget = CONTEXT_TOKEN_BUDGET - systemTokens - memoryTokens - tailTokens - noteTokens;
    // Most stable first, so a provider's prompt cache (a shared prefix) reaches furthest: the
    // system prompt (same every turn), the memories (change when a fact is learned), the summary
    // (every few dozen messages), the recalled passages (every turn), then the conversation.
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      ...[memory, summary, recalled]
        .filter((block): block is string => Boolean(block))
        .map((content) => ({ role: 'system' as const, content })),
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
      memory:
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
  private async recalledWithin(input: ContextInput, budget: number): Promise<RecalledPassage[]> {
    const kept: RecalledPassage[] = [];
    let left = budget;
    for (const passage of input.recalled ?? []) {
      const tokens = await this.tokensOf(passage.content.slice(0, MAX_RECALLED_CHARS));
      if (tokens > left) continue;
      left -= tokens;
      kept.push(passage);
    }
    return kept;
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
      input.history.map((message) => message.tokens ?? this.tokensOf(message.content)),
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

  /** The prompt size the messages stand for, when the provider reports no usage. */
  estimate(messages: readonly ChatMessage[]): number {
    return estimateMessages(messages);
  }

  /** The user's overrides over the defaults (spec: warmer and less repetitive for NSFW). */
  sampling(
    character: CharacterEntity,
    options: GenerationOptionsDto,
    tier: LimitTier,
    language: string,
  ): GenerationConfig {
    const nsfw = character.contentRating === 'nsfw';
    return {
      temperature: options.temperature ?? (nsfw ? 0.95 : 0.85),
      frequencyPenalty: options.frequency_penalty ?? (nsfw ? 0.5 : 0.3),
      presencePenalty: options.presence_penalty ?? (nsfw ? 0.5 : 0.3),
      topP: options.top_p,
      topK: options.top_k,
      maxTokens: capMaxTokens(options.max_tokens ?? character.maxTokens, tier),
      language,
    };
  }

  /**
   * `auto`: the providers of LLM_PROVIDER_ORDER the cost mode allows (quality: paid first for
   * everyone; balanced: paid first for users, free only for guests; economy: free only), with
   * fallback across them. A named provider must be allowed too, or the cost mode would be
   * one request field away from being bypassed; a named model must also be on the tier's
   * allowlist (400 naming the allowed ones).
   */
  async route(model: string | undefined, tier: LimitTier): Promise<ReplyRoute> {
    const registered = tier !== 'anon';
    const [costMode, paidMode] = await Promise.all([
      this.settings.get('cost_mode'),
      this.settings.get('paid_mode'),
    ]);
    // paid_mode is the legacy switch for what cost mode quality does (spec: get_cost_mode).
    const mode = paidMode ? 'quality' : costMode;
    const paidAllowed = mode === 'quality' || (mode === 'balanced' && registered);
    if (!model || model === 'auto') {
      const order = this.config.llm.providerOrder;
      const free = order.filter((name) => !PAID_PROVIDERS.has(name));
      const paid = order.filter((name) => PAID_PROVIDERS.has(name));
      return { provider: 'auto', providers: paidAllowed ? [...paid, ...free] : free };
    }
    const separator = model.indexOf(':');
    const name = separator < 0 ? model : model.slice(0, separator);
    if (!(LLM_PROVIDER_NAMES as readonly string[]).includes(name)) {
      throw new BadRequestException(
        `Unknown model provider '${name}': use auto or one of ${LLM_PROVIDER_NAMES.join(', ')}`,
      );
    }
    const provider = name as LlmProviderName;
    const modelId = separator < 0 ? undefined : model.slice(separator + 1);
    await this.allowlist.assertAllowed(tier, provider, modelId);
    if (PAID_PROVIDERS.has(provider) && !paidAllowed) {
      throw new ForbiddenException(
        `The ${provider} provider is not available ${registered ? 'now' : 'to guests'}: use auto`,
      );
    }
    return { provider, model: modelId };
  }
}
