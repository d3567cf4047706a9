import OpenAI from 'openai';
import type { ModerationMetrics } from '../common/metrics/service-metrics.js';
import type {
  CategoryScores,
  ClassifyContext,
  ImageModerationClassifier,
  ModeratedImage,
  ModerationCategory,
  ModerationClassifier,
  ModerationResult,
} from './moderation.types.js';

/** Each of our categories is the highest of these OpenAI categories (others are ignored). */
const OPENAI_CATEGORIES: Record<ModerationCategory, readonly string[]> = {
  minors_sexual: ['sexual/minors'],
  sexual: ['sexual'],
  violence_graphic: ['violence/graphic'],
  self_harm: ['self-harm', 'self-harm/intent', 'self-harm/instructions'],
  hate: ['hate', 'hate/threatening', 'harassment/threatening'],
  illegal: ['illicit', 'illicit/violent'],
};

/** Inputs per request, and characters per input: a long lorebook is read by the rules alone. */
export const PROVIDER_MAX_INPUTS = 32;
export const PROVIDER_MAX_CHARS = 10_000;

export interface ProviderOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

/** Says why a provider request failed: its own timeout, or anything else. */
export class ProviderFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'error',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A provider's moderation endpoint: OpenAI's /v1/moderations through the openai SDK, or any
 * compatible one at MODERATION_PROVIDER_URL. One request per check (every field an input),
 * no retries, given up after MODERATION_TIMEOUT_MS; the caller falls back to the rules alone.
 * Images (MODERATION_IMAGES) go as one `image_url` input holding a data URL.
 */
export class ProviderClassifier implements ModerationClassifier, ImageModerationClassifier {
  readonly name = 'provider';
  private readonly client: OpenAI;

  constructor(
    private readonly options: ProviderOptions,
    private readonly metrics: ModerationMetrics,
  ) {
    this.client = new OpenAI({
      // Some compatible endpoints need no key; the SDK insists on one.
      apiKey: options.apiKey ?? 'unused',
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
  }

  async classify(
    input: string | ModeratedImage,
    _context: ClassifyContext,
  ): Promise<ModerationResult> {
    if (typeof input === 'string') return (await this.classifyMany([input]))[0];
    const url = `data:${input.mimeType};base64,${input.data.toString('base64')}`;
    return (await this.ask([{ type: 'image_url', image_url: { url } }]))[0];
  }

  /** One result per text, in order; throws ProviderFailure. */
  classifyMany(texts: string[]): Promise<ModerationResult[]> {
    return this.ask(texts.map((text) => text.slice(0, PROVIDER_MAX_CHARS)));
  }

  private async ask(
    input: string[] | OpenAI.ModerationMultiModalInput[],
  ): Promise<ModerationResult[]> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.client.moderations.create(
        { model: this.options.model, input },
        { signal, timeout: this.options.timeoutMs },
      );
      if (!Array.isArray(response.results) || response.results.length !== input.length) {
        throw new Error(
          `expected ${input.length} results, got ${response.results?.length ?? 'none'}`,
        );
      }
      this.metrics.providerAnswered(seconds());
      return response.results.map((result) => ({ scores: scoresOf(result.category_scores) }));
    } catch (error) {
      const timedOut = signal.aborted || error instanceof OpenAI.APIConnectionTimeoutError;
      this.metrics.providerFailed(timedOut ? 'timeout' : 'error', seconds());
      throw new ProviderFailure(
        timedOut ? 'timeout' : 'error',
        timedOut
          ? `no answer within ${this.options.timeoutMs} ms`
          : (error as Error).message || String(error),
      );
    }
  }
}

function scoresOf(raw: unknown): CategoryScores {
  const source = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const scores: CategoryScores = {};
  for (const [category, names] of Object.entries(OPENAI_CATEGORIES)) {
    let best = 0;
    for (const name of names) {
      const value = source[name];
      if (typeof value === 'number' && Number.isFinite(value)) best = Math.max(best, value);
    }
    if (best > 0) scores[category as ModerationCategory] = Math.min(1, best);
  }
  return scores;
}
