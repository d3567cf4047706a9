import { Injectable } from '@nestjs/common';
import OpenAI from 'openai';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { nodeHttpFetch } from '../providers/node-http-fetch.js';

/** Why an embeddings request failed: its own timeout, or anything else. */
export class EmbeddingsFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'error',
    message: string,
  ) {
    super(message);
  }
}

/** Texts one request may carry (OpenAI takes 2,048; local servers often far fewer). */
export const MAX_EMBEDDING_INPUTS = 64;

/**
 * The embeddings endpoint (EMBEDDINGS_BASE_URL, EMBEDDINGS_MODEL): OpenAI's /v1/embeddings
 * through the openai SDK, or any compatible server (vLLM, Ollama, LM Studio, TEI…). One
 * client, reused (keep-alive, as the chat providers), no retries: the recall falls back to
 * full text and the background job retries through the queue. Off when unconfigured.
 */
@Injectable()
export class EmbeddingsService {
  /** The model whose vectors are stored (`message.embedding_model`); null: embeddings off. */
  readonly model: string | null;
  /** How long embedding a recall query may take (EMBEDDINGS_TIMEOUT_MS). */
  readonly queryTimeoutMs: number;
  private readonly client?: OpenAI;

  constructor(@InjectConfig() config: AppConfig) {
    const options = config.embeddings;
    this.model = options?.model ?? null;
    this.queryTimeoutMs = options?.timeoutMs ?? 0;
    if (options) {
      this.client = new OpenAI({
        // Local servers need no key; the SDK insists on one.
        apiKey: options.apiKey ?? 'unused',
        baseURL: options.baseUrl,
        maxRetries: 0,
        fetch: nodeHttpFetch,
      });
    }
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /**
   * One vector per text, in order, from one request of at most MAX_EMBEDDING_INPUTS texts;
   * throws EmbeddingsFailure (a timeout, an error answer, or vectors that are not one finite
   * vector of one length per text).
   */
  async embed(
    texts: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<number[][]> {
    if (!this.client || !this.model) throw new EmbeddingsFailure('error', 'not configured');
    if (texts.length === 0) return [];
    if (texts.length > MAX_EMBEDDING_INPUTS) {
      throw new RangeError(`at most ${MAX_EMBEDDING_INPUTS} texts per request`);
    }
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      const response = await this.client.embeddings.create(
        // Floats, not the SDK's default base64, which some compatible servers do not speak.
        { model: this.model, input: [...texts], encoding_format: 'float' },
        { signal, timeout: options.timeoutMs },
      );
      return vectorsOf(response.data, texts.length);
    } catch (error) {
      if (error instanceof EmbeddingsFailure) throw error;
      const timedOut = timeout.aborted || error instanceof OpenAI.APIConnectionTimeoutError;
      throw new EmbeddingsFailure(
        timedOut ? 'timeout' : 'error',
        timedOut
          ? `no answer within ${options.timeoutMs} ms`
          : (error as Error).message || String(error),
      );
    }
  }
}

/** The answer's vectors in input order, checked: one per input, finite, all of one length. */
function vectorsOf(data: unknown, count: number): number[][] {
  const items = Array.isArray(data)
    ? (data as Array<{ index?: unknown; embedding?: unknown }>)
    : [];
  const vectors: number[][] = new Array<number[]>(count);
  for (const [position, item] of items.entries()) {
    const index = Number.isInteger(item?.index) ? (item.index as number) : position;
    const vector = item?.embedding;
    if (
      index >= 0 &&
      index < count &&
      Array.isArray(vector) &&
      vector.length > 0 &&
      vector.every((value) => typeof value === 'number' && Number.isFinite(value))
    ) {
      vectors[index] = vector as number[];
    }
  }
  const length = vectors[0]?.length;
  for (let i = 0; i < count; i++) {
    if (length === undefined || vectors[i]?.length !== length) {
      throw new EmbeddingsFailure('error', `expected ${count} vectors of one length`);
    }
  }
  return vectors;
}
