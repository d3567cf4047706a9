import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { EmbeddingsFailure, EmbeddingsService } from '../../llm/embeddings/embeddings.service.js';
import { FullTextRetriever } from './full-text-retriever.js';
import { EMBED_MAX_CHARS } from './message-embedder.service.js';
import { MessageEmbeddingRepository } from './message-embedding.repository.js';
import type { RecalledPassage, RecallQuery, Retriever } from './retriever.js';

/** Full-text candidates re-ranked per recall: this many times what is asked for, at least… */
const POOL_FACTOR = 5;
/** …this many. Bounded: each is checked on the active path and its vector read. */
const MIN_POOL = 12;
/** After the endpoint timed out, recall skips it this long: a dead endpoint costs no reply its wait. */
export const PAUSE_AFTER_TIMEOUT_MS = 30_000;
/** A failing endpoint is logged at most this often (each failure is counted). */
const LOG_INTERVAL_MS = 60_000;
/**
 * Query vectors kept per instance (model and text), so that a group round's speakers and a
 * swipe, which all recall with the user's same message, ask the endpoint once: ~12 KB each.
 */
const QUERY_VECTORS_KEPT = 256;
const QUERY_VECTOR_TTL_MS = 10 * 60_000;

/** Cosine similarity of two vectors; null when their lengths differ or one is all zeros. */
export function cosine(a: readonly number[], b: readonly number[]): number | null {
  if (a.length === 0 || a.length !== b.length) return null;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return normA === 0 || normB === 0 ? null : dot / Math.sqrt(normA * normB);
}

/**
 * Candidates in full-text order, re-ordered: those with a vector by cosine similarity to the
 * query's, most similar first (ties keep full-text order), then those without one (not
 * embedded yet, another model's, another length) in full-text order. Behind, not blended: a
 * similarity and a ts_rank_cd are not on one scale, and a message lacks a vector only until
 * the background job reaches it.
 */
export function rerank<T extends { messageId: number }>(
  candidates: readonly T[],
  vectors: ReadonlyMap<number, readonly number[]>,
  query: readonly number[],
): T[] {
  const scored = candidates.map((candidate, position) => {
    const vector = vectors.get(candidate.messageId);
    return { candidate, position, score: vector ? cosine(vector, query) : null };
  });
  const embedded = scored
    .filter((entry) => entry.score !== null)
    .sort((a, b) => b.score! - a.score! || a.position - b.position);
  const rest = scored.filter((entry) => entry.score === null);
  return [...embedded, ...rest].map((entry) => entry.candidate);
}

/**
 * Recall by full text, re-ranked by meaning (issue #18 item 3), when an embeddings endpoint is
 * configured: FullTextRetriever's best few times `limit` candidates on the active path, the
 * newest turn embedded (one request, EMBEDDINGS_TIMEOUT_MS, sent while full text searches;
 * kept a while, for the next speakers of a round and for swipes),
 * the candidates' stored vectors (`message.embedding`, the MessageEmbedder job's) compared by
 * cosine similarity (`rerank`). Any failure keeps the full-text order: the reply never fails
 * for it, and after a timeout the endpoint is left alone for PAUSE_AFTER_TIMEOUT_MS.
 */
@Injectable()
export class EmbeddingRerankRetriever implements Retriever {
  readonly mode: string = 'full-text+embeddings';
  private readonly logger = new Logger(EmbeddingRerankRetriever.name);
  private pausedUntil = 0;
  private lastLog = 0;
  private readonly queryVectors = new LRUCache<string, number[]>({
    max: QUERY_VECTORS_KEPT,
    ttl: QUERY_VECTOR_TTL_MS,
  });

  constructor(
    private readonly fullText: FullTextRetriever,
    private readonly embeddings: EmbeddingsService,
    private readonly vectors: MessageEmbeddingRepository,
    private readonly metrics: MetricsService,
  ) {}

  async recall(query: RecallQuery): Promise<RecalledPassage[]> {
    const model = this.embeddings.model;
    if (!model || query.limit <= 0) return this.fullText.recall(query);
    const asked = new AbortController();
    const text = query.text.slice(0, EMBED_MAX_CHARS);
    const key = `${model}\n${text}`;
    const known = this.queryVectors.get(key);
    const embedded = known
      ? Promise.resolve(known)
      : Date.now() < this.pausedUntil
        ? null
        : this.embedQuery(query.chatId, text, asked.signal).then((vector) => {
            if (vector) this.queryVectors.set(key, vector);
            return vector;
          });
    try {
      const candidates = await this.fullText.candidates(
        query,
        Math.max(query.limit * POOL_FACTOR, MIN_POOL),
      );
      let ordered = candidates;
      if (candidates.length > 1 && embedded) {
        const [vector, stored] = await Promise.all([
          embedded,
          this.vectors
            .vectors(
              candidates.map((candidate) => candidate.messageId),
              model,
            )
            .catch((error: Error) => {
              this.logger.warn(
                `Chat ${query.chatId}: stored embeddings not read: ${error.message}`,
              );
              return new Map<number, number[]>();
            }),
        ]);
        if (vector) ordered = rerank(candidates, stored, vector);
      }
      return ordered.slice(0, query.limit).map(({ rank: _rank, ...passage }) => passage);
    } finally {
      // Nothing to re-rank (or it failed): the query's embedding is no longer wanted.
      asked.abort();
    }
  }

  /** The newest turn's vector; null (logged, counted) when the endpoint fails or is slow. */
  private async embedQuery(
    chatId: string,
    text: string,
    asked: AbortSignal,
  ): Promise<number[] | null> {
    try {
      const [vector] = await this.embeddings.embed([text], {
        timeoutMs: this.embeddings.queryTimeoutMs,
        signal: asked,
      });
      return vector;
    } catch (error) {
      if (asked.aborted) return null;
      const kind = error instanceof EmbeddingsFailure ? error.kind : 'error';
      if (kind === 'timeout') this.pausedUntil = Date.now() + PAUSE_AFTER_TIMEOUT_MS;
      this.metrics.recall.rerankFallback(kind);
      if (Date.now() - this.lastLog >= LOG_INTERVAL_MS) {
        this.lastLog = Date.now();
        this.logger.warn(
          `Chat ${chatId}: recall keeps the full-text order, the embeddings endpoint ` +
            `failed (${kind}): ${(error as Error).message}` +
            (kind === 'timeout' ? `; not asked again for ${PAUSE_AFTER_TIMEOUT_MS / 1000} s` : ''),
        );
      }
      return null;
    }
  }
}

/**
 * The RETRIEVER in use, chosen at start-up: re-ranking by embeddings when the endpoint is
 * configured, else full text alone; the mode is logged (and shown by GET
 * /api/admin/memory-status).
 */
export function recallRetriever(
  embeddings: EmbeddingsService,
  fullText: FullTextRetriever,
  reranking: EmbeddingRerankRetriever,
): Retriever {
  const retriever = embeddings.enabled ? reranking : fullText;
  new Logger('Recall').log(
    `Recall of old messages: ${retriever.mode} (PostgreSQL, ix_message_recall` +
      (embeddings.enabled ? `; re-ranked by ${embeddings.model} embeddings)` : ')'),
  );
  return retriever;
}
