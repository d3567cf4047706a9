import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../../common/hash.js';
import { collectStream } from '../llm-stream.js';
import type {
  ChatMessage,
  GenerationConfig,
  LlmProvider,
  LlmResult,
  LlmStreamEvent,
  ModelInfo,
} from '../llm.types.js';
import { MODEL_REGISTRY } from '../models/model-registry.js';
import type { TokenEstimator } from '../usage/token-estimator.js';

const OFFLINE_MODEL = 'offline';

// A capitalised name of up to three words after a phrase that introduces the character.
const NAME = String.raw`(\p{Lu}[\p{L}\p{M}'’-]*(?: \p{Lu}[\p{L}\p{M}'’-]*){0,2})`;
const NAME_PATTERNS = [
  new RegExp(
    String.raw`\b(?:[Yy]ou are|[Yy]ou're|[Yy]our name is|[Yy]ou play|named|called|[Cc]haracter:|[Nn]ame:)\s*` +
      NAME,
    'u',
  ),
  new RegExp(
    String.raw`(?:[Тт]ы\s*[—–-]|[Тт]ебя зовут|[Тт]во[её] имя:?|[Пп]ерсонаж:|[Ии]мя:)\s*` + NAME,
    'u',
  ),
];

const QUOTE_WORDS = 12;

type Template = (name: string, quote: string) => string;

const TEMPLATES: Record<'en' | 'ru', { reply: Template[]; greeting: Template[] }> = {
  en: {
    reply: [
      (name, quote) =>
        `${name} tilts their head, eyes lingering on you a moment longer than needed. "${quote}" — you say it as if it were nothing. Go on, then. I want to hear the rest of it.`,
      (name, quote) =>
        `${name} leans back with a slow, knowing smile. "${quote}"? I did not expect that from you. Tell me more — what happens next?`,
      (name, quote) =>
        `${name} falls quiet, turning your words over like a coin between their fingers. "${quote}." You always find a way to surprise me. So what would you do if I said yes?`,
    ],
    greeting: [
      (name) =>
        `${name} looks up and smiles. "There you are. I was starting to wonder if you would come."`,
    ],
  },
  ru: {
    reply: [
      (name, quote) =>
        `${name} чуть наклоняет голову, не отводя взгляда.\n- «${quote}»… Ты говоришь это так, будто это пустяк. Продолжай, я хочу услышать всё.`,
      (name, quote) =>
        `${name} медленно улыбается и откидывается назад.\n- «${quote}»? Неожиданно. Расскажи больше — что было дальше?`,
      (name, quote) =>
        `${name} на мгновение замолкает, обдумывая твои слова.\n- «${quote}». Ты всегда умеешь удивить. А что ты сделаешь, если я соглашусь?`,
    ],
    greeting: [
      (name) =>
        `${name} поднимает взгляд и улыбается.\n- Вот и ты. Садись ближе и расскажи, как прошёл твой день.`,
    ],
  },
};

function characterName(system: string): string {
  for (const pattern of NAME_PATTERNS) {
    const name = pattern.exec(system)?.[1];
    if (name) return name;
  }
  return system ? 'The character' : 'Your companion';
}

/** An in-character reply built only from the prompt: deterministic, no model involved. */
export function composeOfflineReply(messages: readonly ChatMessage[]): string {
  const system = messages.find((message) => message.role === 'system')?.content ?? '';
  const lastUser =
    [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  const name = characterName(system);
  const words = lastUser.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const quote = words.slice(0, QUOTE_WORDS).join(' ') + (words.length > QUOTE_WORDS ? '…' : '');
  const templates = TEMPLATES[/[\u0400-\u04FF]/.test(lastUser || system) ? 'ru' : 'en'];
  const choices = quote ? templates.reply : templates.greeting;
  // A stable choice: the same prompt gets the same reply, run after run.
  const pick = parseInt(sha256Hex(`${name}\n${lastUser}`).slice(0, 8), 16) % choices.length;
  return choices[pick](name, quote.replace(/[.!?…]+$/u, ''));
}

/**
 * Stands in when no provider key is configured, so a fresh checkout can chat at once: it
 * streams a templated, in-character reply word by word at a model-like pace, reports usage
 * counted by the tokenizer, and names itself `offline` as the model. LlmProviderRegistry
 * only picks it when no real provider is configured, or when asked for it by name.
 */
export class OfflineProvider implements LlmProvider {
  readonly name = 'offline';

  constructor(
    private readonly tokenDelayMs: number,
    private readonly tokens: TokenEstimator,
  ) {}

  async models(): Promise<readonly ModelInfo[]> {
    return MODEL_REGISTRY.offline;
  }

  async *generateStream(
    messages: ChatMessage[],
    config: GenerationConfig = {},
    signal?: AbortSignal,
  ): AsyncGenerator<LlmStreamEvent> {
    // Word tokens with their leading space, like a model's.
    const words = (composeOfflineReply(messages).match(/\s*\S+/g) ?? []).slice(0, config.maxTokens);
    for (const text of words) {
      if (this.tokenDelayMs > 0)
        await sleep(this.tokenDelayMs, undefined, { signal }).catch(() => undefined);
      signal?.throwIfAborted();
      yield { type: 'delta', text };
    }
    yield {
      type: 'usage',
      provider: 'offline',
      model: OFFLINE_MODEL,
      promptTokens: await this.tokens.countMessages(messages),
      completionTokens: await this.tokens.count(words.join('')),
      estimated: true,
    };
  }

  generate(
    messages: ChatMessage[],
    config?: GenerationConfig,
    signal?: AbortSignal,
  ): Promise<LlmResult> {
    return collectStream(this.generateStream(messages, config, signal));
  }
}
