import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { JobQueue } from '../../common/jobs/job-queue.service.js';
import type { Language } from '../../common/languages.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { BackgroundBudgetSpentError } from '../../llm/llm.errors.js';
import { LlmService } from '../../llm/llm.service.js';
import type { ChatMessage } from '../../llm/llm.types.js';
import { MessageRepository } from '../message.repository.js';
import {
  CharacterMemoryRepository,
  type CharacterMemory,
  type FactCandidate,
  MEMORY_KINDS,
  type MemoryKind,
} from './character-memory.repository.js';

export const MEMORY_EXTRACT_JOB = 'memory.extract';
const EXTRACT_ATTEMPTS = 3;
const EXTRACT_TIMEOUT_MS = 30_000;
/**
 * The latest messages one extraction reads: the rounds played while it waited
 * (MEMORY_EXTRACT_DELAY_MS) and one before them; what it has seen before merges as duplicates.
 */
const EXTRACT_WINDOW = 12;
/** Known facts shown to the model, so it can say which one a new fact repeats or replaces. */
const KNOWN_FACTS_SHOWN = 40;
/** Facts one extraction may add. */
const MAX_NEW_FACTS = 8;
const MAX_FACT_LENGTH = 500;

export interface MemoryExtractJob {
  chatId: string;
  userId: string;
  characterId: string;
  characterName: string;
  userName: string;
  language: Language;
  chatOnly: boolean;
}

/**
 * Learns durable facts from a chat after its replies (spec seed 002: FactExtractor,
 * memory.add_user_fact): a `memory.extract` job per chat at most pending, a cheap model
 * (MEMORY_PROVIDER_ORDER, else LLM_PROVIDER_ORDER as the summarizer does) asked for JSON,
 * checked against the schema, merged into the user's facts about the character. Off the
 * reply's path: a failure only logs (and the queue retries).
 */
@Injectable()
export class MemoryExtractor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(MemoryExtractor.name);
  private readonly closing = new AbortController();

  constructor(
    private readonly memories: CharacterMemoryRepository,
    private readonly messages: MessageRepository,
    private readonly llm: LlmService,
    private readonly jobs: JobQueue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<MemoryExtractJob>(MEMORY_EXTRACT_JOB, (job) =>
      this.extract(job).then(() => undefined),
    );
  }

  beforeApplicationShutdown(): void {
    this.closing.abort(new Error('the server is shutting down'));
  }

  /**
   * Queues an extraction for the chat, due MEMORY_EXTRACT_DELAY_MS from now (one pending per
   * chat: the rounds until then join it); never throws.
   */
  trigger(job: MemoryExtractJob): void {
    this.jobs
      .enqueue(MEMORY_EXTRACT_JOB, job, {
        dedupeKey: job.chatId,
        maxAttempts: EXTRACT_ATTEMPTS,
        delayMs: this.config.chat.memoryExtractDelayMs,
      })
      .catch((error: Error) => {
        this.logger.warn(`Chat ${job.chatId}: memory extraction not queued: ${error.message}`);
      });
  }

  /** The job: the ids of the facts added (merged ones are not new). */
  async extract(job: MemoryExtractJob): Promise<number[]> {
    // MEMORY_PROVIDER_ORDER, or the chats' order; nothing with the day's budget spent.
    const providers = await this.llm.backgroundProviders(
      this.config.chat.memoryProviderOrder,
      'memory',
    );
    if (!providers) return [];
    const recent = (await this.messages.page(job.chatId, EXTRACT_WINDOW)).reverse();
    if (recent.length === 0) return [];
    const known = await this.memories.list(job.userId, job.characterId, {
      limit: KNOWN_FACTS_SHOWN,
    });
    let content: string;
    try {
      const result = await this.llm.generate({
        messages: buildExtractionPrompt(
          job,
          known,
          recent.map((message) => ({
            id: Number(message.id),
            speaker: message.role === 'user' ? job.userName : job.characterName,
            content: message.content,
          })),
        ),
        provider: 'auto',
        providers,
        config: { temperature: 0, maxTokens: 800, language: job.language },
        signal: AbortSignal.any([AbortSignal.timeout(EXTRACT_TIMEOUT_MS), this.closing.signal]),
        background: true,
      });
      content = result.content;
    } catch (error) {
      if (error instanceof BackgroundBudgetSpentError) return [];
      throw error;
    }
    const candidates = parseExtraction(
      content,
      new Set(recent.map((message) => Number(message.id))),
      new Set(known.map((fact) => fact.id)),
    );
    if (candidates === null) {
      // A malformed answer is not retried: the next reply's extraction reads these messages too.
      this.logger.warn(`Chat ${job.chatId}: the memory extractor's answer is not valid JSON facts`);
      return [];
    }
    if (candidates.length === 0) return [];
    return this.memories.merge(
      {
        userId: job.userId,
        characterId: job.characterId,
        chatId: job.chatId,
        chatOnly: job.chatOnly,
      },
      candidates,
    );
  }
}

const EXTRACTION_SYSTEM = `You maintain the long-term memory of a roleplay character about the user they talk to.
From the NEW MESSAGES, extract only durable facts worth remembering weeks later: names and people, relationships, important events, promises, preferences, items, places. Skip small talk, moods of the moment and anything already known unless it changed.
Answer with JSON only, no prose: {"facts": [{"text": string (one short sentence, in the chat's language), "kind": one of ${MEMORY_KINDS.map((kind) => `"${kind}"`).join(', ')}, "importance": integer 1-5, "source_message_ids": [ids of the new messages it comes from], "same_as": id of a known fact it repeats (optional), "replaces": id of a known fact it contradicts or updates (optional)}]}.
Answer {"facts": []} when there is nothing new.`;

/** The request: the known facts with their ids, then the new messages with theirs. */
export function buildExtractionPrompt(
  job: Pick<MemoryExtractJob, 'characterName' | 'userName' | 'language'>,
  known: readonly Pick<CharacterMemory, 'id' | 'text'>[],
  messages: ReadonlyArray<{ id: number; speaker: string; content: string }>,
): ChatMessage[] {
  const facts = known.length
    ? known.map((fact) => `#${fact.id}: ${fact.text}`).join('\n')
    : '(none)';
  const lines = messages
    .map((message) => `[${message.id}] ${message.speaker}: ${message.content}`)
    .join('\n\n');
  return [
    { role: 'system', content: EXTRACTION_SYSTEM },
    {
      role: 'user',
      content: `Character: ${job.characterName}. User: ${job.userName}. Chat language: ${job.language}.\n\nKNOWN FACTS:\n${facts}\n\nNEW MESSAGES:\n${lines}`,
    },
  ];
}

const isKind = (value: unknown): value is MemoryKind =>
  (MEMORY_KINDS as readonly unknown[]).includes(value);

/**
 * The model's answer checked against the schema: null when it is not `{"facts": [...]}` JSON
 * (a fenced block is accepted); facts that break the schema are dropped one by one, sources
 * are kept to the messages shown, `same_as`/`replaces` to the facts shown.
 */
export function parseExtraction(
  answer: string,
  messageIds: ReadonlySet<number>,
  factIds: ReadonlySet<number>,
): FactCandidate[] | null {
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start < 0 || end < start) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.slice(start, end + 1));
  } catch {
    return null;
  }
  const facts = (parsed as { facts?: unknown } | null)?.facts;
  if (!Array.isArray(facts)) return null;
  const candidates: FactCandidate[] = [];
  for (const raw of facts.slice(0, MAX_NEW_FACTS) as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const fact = raw as Record<string, unknown>;
    const text = typeof fact.text === 'string' ? fact.text.replace(/\s+/g, ' ').trim() : '';
    if (!text || text.length > MAX_FACT_LENGTH || !isKind(fact.kind)) continue;
    const importance = Number.isInteger(fact.importance)
      ? Math.min(5, Math.max(1, fact.importance as number))
      : 3;
    const sources = Array.isArray(fact.source_message_ids)
      ? [...new Set(fact.source_message_ids.map(Number))].filter((id) => messageIds.has(id))
      : [];
    // A fact must come from the messages it was shown: no source, no fact.
    if (sources.length === 0) continue;
    const known = (value: unknown): number | undefined =>
      Number.isInteger(value) && factIds.has(value as number) ? (value as number) : undefined;
    const sameAs = known(fact.same_as);
    const replaces = known(fact.replaces);
    candidates.push({
      text,
      kind: fact.kind,
      importance,
      sourceMessageIds: sources,
      ...(sameAs !== undefined ? { sameAs } : {}),
      ...(replaces !== undefined ? { replaces } : {}),
    });
  }
  return candidates;
}
