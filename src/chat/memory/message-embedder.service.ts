import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { JobQueue } from '../../common/jobs/job-queue.service.js';
import {
  EmbeddingsService,
  MAX_EMBEDDING_INPUTS,
} from '../../llm/embeddings/embeddings.service.js';
import { MessageEmbeddingRepository } from './message-embedding.repository.js';

export const MEMORY_EMBED_JOB = 'memory.embed';
const EMBED_ATTEMPTS = 5;
/** A batch request of the background job may take this long (not the recall's timeout). */
const BATCH_TIMEOUT_MS = 30_000;
/** Messages one pass looks at, newest first: one bounded index scan, whatever the chat's size. */
export const EMBED_WINDOW = 256;
/**
 * Characters of a message embedded: a passage's gist is in its start (a prompt shows 600), and
 * small local models take about 512 tokens.
 */
export const EMBED_MAX_CHARS = 1_000;

export interface MemoryEmbedJob {
  chatId: string;
  /** Where a pass continues, going back through an older chat: below this id. */
  beforeId?: number;
}

/**
 * Embeds a chat's messages for recall's re-ranking (EmbeddingRerankRetriever), in the
 * background: a `memory.embed` job per chat at most pending, queued after each answered round
 * (and below a message the user edited). A pass looks at the EMBED_WINDOW messages below its
 * cursor, newest first, and embeds those lacking a vector of the model, MAX_EMBEDDING_INPUTS a
 * request; when the window was full and its oldest message lacked one too, the next, older
 * window is queued as its own job (a chat recorded before embeddings were configured, imported,
 * or of another model, is embedded window by window, never in one long job; a chat embedded
 * as it grew costs one window). A failing endpoint fails the job, which the queue retries;
 * replies never wait for any of it.
 */
@Injectable()
export class MessageEmbedder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageEmbedder.name);
  private readonly closing = new AbortController();

  constructor(
    private readonly embeddings: EmbeddingsService,
    private readonly vectors: MessageEmbeddingRepository,
    private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    // Registered even when embeddings are off: jobs queued before a restart without them end.
    this.jobs.register<MemoryEmbedJob>(MEMORY_EMBED_JOB, (job) =>
      this.embed(job).then(() => undefined),
    );
  }

  beforeApplicationShutdown(): void {
    this.closing.abort(new Error('the server is shutting down'));
  }

  /**
   * Queues a pass over the chat's newest messages when embeddings are on, or, for a message
   * the user edited (its vector cleared), over the window it heads; never throws.
   */
  trigger(chatId: string, editedId?: number): void {
    if (!this.embeddings.enabled) return;
    void (editedId === undefined
      ? this.enqueue({ chatId }, chatId)
      : this.enqueue({ chatId, beforeId: editedId + 1 }, `${chatId}:${editedId}`));
  }

  /** The job: how many vectors it stored. */
  async embed(job: MemoryEmbedJob): Promise<number> {
    const model = this.embeddings.model;
    if (!model) return 0;
    const window = await this.vectors.window(
      job.chatId,
      job.beforeId ?? null,
      EMBED_WINDOW,
      model,
      EMBED_MAX_CHARS,
    );
    let stored = 0;
    for (let start = 0; start < window.pending.length; start += MAX_EMBEDDING_INPUTS) {
      const batch = window.pending.slice(start, start + MAX_EMBEDDING_INPUTS);
      const embedded = await this.embeddings.embed(
        batch.map((message) => message.text),
        { timeoutMs: BATCH_TIMEOUT_MS, signal: this.closing.signal },
      );
      stored += await this.vectors.save(
        model,
        batch.map((message, i) => ({ ...message, embedding: embedded[i] })),
      );
    }
    if (window.seen === EMBED_WINDOW && window.reachesBack && window.lowestId !== null) {
      await this.enqueue({ chatId: job.chatId, beforeId: window.lowestId }, `${job.chatId}:older`);
    }
    return stored;
  }

  private async enqueue(job: MemoryEmbedJob, dedupeKey: string): Promise<void> {
    await this.jobs
      .enqueue(MEMORY_EMBED_JOB, job, { dedupeKey, maxAttempts: EMBED_ATTEMPTS })
      .catch((error: Error) => {
        this.logger.warn(`Chat ${job.chatId}: message embedding not queued: ${error.message}`);
      });
  }
}
