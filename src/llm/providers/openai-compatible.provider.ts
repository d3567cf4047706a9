import { nodeHttpFetch } from './node-http-fetch.js';
import { Logger } from '@nestjs/common';
import OpenAI from 'openai';
import type { LlmMetrics } from '../../common/metrics/service-metrics.js';
import type { ProviderAvailabilityService } from '../availability/provider-availability.service.js';
import {
  LlmRequestFailedError,
  ProviderUnavailableError,
  toUpstreamError,
  UpstreamError,
} from '../llm.errors.js';
import { collectStream, streamWithFallback } from '../llm-stream.js';
import type {
  ChatMessage,
  GenerationConfig,
  LlmProvider,
  LlmResult,
  LlmStreamEvent,
  ModelInfo,
  ProviderName,
  TokenUsage,
} from '../llm.types.js';
import { MODEL_REGISTRY } from '../models/model-registry.js';
import { AUTO_FALLBACK_SIZE, pickFallbackModels } from '../models/model-selection.js';
import { isGarbledReply } from '../output/language-check.js';
import { headOf, textPieces } from '../output/text-pieces.js';
import { ThinkingFilter } from '../output/thinking-filter.js';
import type { TokenEstimator } from '../usage/token-estimator.js';
import { foldLateSystemMessages, joinLeadingSystemMessages } from './system-messages.js';

export interface ProviderOptions {
  apiKey: string;
  baseUrl: string;
  firstTokenTimeoutMs: number;
  streamIdleTimeoutMs: number;
}

/** The body we send; `top_k` and `enable_thinking` are extensions some providers accept. */
export type ChatRequestBody = OpenAI.Chat.ChatCompletionCreateParamsStreaming & {
  top_k?: number;
  enable_thinking?: boolean;
};

type DeltaWithReasoning = OpenAI.Chat.ChatCompletionChunk.Choice.Delta & {
  /** DeepSeek's name for the reasoning of deepseek-reasoner. */
  reasoning_content?: string | null;
  /** OpenRouter's name for it. */
  reasoning?: string | null;
};

/**
 * Everything every provider shares: they all speak the OpenAI chat-completions protocol, so
 * one openai SDK client per provider (created once, so its keep-alive connections are reused)
 * does the talking, and subclasses only name their models and shape the request body.
 *
 * A request streams from one model at a time. Model `auto` (or unset) tries up to three
 * models; each gets `firstTokenTimeoutMs` to produce something, and a failure before the
 * first visible token moves on to the next model. The SDK never retries (`maxRetries: 0`):
 * retrying the same model is what fallback avoids.
 */
/** PostgreSQL refuses NUL in text: a model that writes one would lose its whole reply. */
const withoutNul = (text: string): string =>
  text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;

/** Characters a reply may have per token of its max_tokens: tokens average about four. */
const MAX_CHARS_PER_TOKEN = 16;
/** The ceiling of a reply whose request set no max_tokens. */
const UNCAPPED_TOKENS = 16_384;

/** How long a stream may stay open after its usage chunk before it is taken as finished. */
const AFTER_USAGE_GRACE_MS = 1000;

/** The model was chosen here (the default, or an `auto` pick), not named by the caller. */
const isOurPick = (model: string | undefined): boolean => !model || model === 'auto';

/** The sampling fields of a request body, the ones a model may refuse. */
const SAMPLING_FIELDS = [
  'temperature',
  'top_p',
  'top_k',
  'frequency_penalty',
  'presence_penalty',
] as const;
type SamplingField = (typeof SAMPLING_FIELDS)[number];

/** Models per provider whose refused fields are remembered: callers may name any model. */
const MAX_LEARNED_MODELS = 100;

/**
 * The sampling fields of `body` a refusal names: "Unsupported parameter: 'temperature'",
 * "Unknown name \"frequency_penalty\"", Gemini's "Penalty is not enabled for models/…" (both
 * penalties). Only a 400/422 counts, and only fields the body carried.
 */
export function refusedFields(failure: UpstreamError, body: ChatRequestBody): SamplingField[] {
  if (failure.kind !== 'rejected') return [];
  // The model's own name may hold a field's; camelCase (topP) reads as snake_case.
  const text = failure.message
    .split(body.model)
    .join(' ')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  const penalties = /\bpenalt(?:y|ies)\b/.test(text);
  return SAMPLING_FIELDS.filter(
    (field) =>
      body[field] !== undefined &&
      (text.includes(field) || (penalties && field.endsWith('_penalty'))),
  );
}

/** Above any real request's token count, and far below what the integer columns hold. */
const MAX_REPORTED_TOKENS = 10_000_000;

/** A reported token count we can store: a non-negative safe integer in range. */
const tokenCount = (value: unknown): number | undefined =>
  typeof value === 'number' &&
  Number.isSafeInteger(value) &&
  value >= 0 &&
  value <= MAX_REPORTED_TOKENS
    ? value
    : undefined;

export abstract class OpenAiCompatibleProvider implements LlmProvider {
  abstract readonly name: Exclude<ProviderName, 'offline'>;
  /** Used when the request names no model; `auto` backs it up. */
  protected abstract readonly defaultModel: string;
  /** The API accepts `top_k` (OpenAI's own does not). */
  protected readonly acceptsTopK: boolean = false;
  /** `generate()` retries once when the reply drifts into another script or language. */
  protected readonly retriesGarbledReplies: boolean = false;

  protected readonly client: OpenAI;
  protected readonly logger = new Logger('LlmProvider');
  /** Sampling fields each model refused, left out of its requests from then on. */
  private readonly refused = new Map<string, readonly SamplingField[]>();

  constructor(
    protected readonly options: ProviderOptions,
    private readonly availability: ProviderAvailabilityService,
    private readonly tokens: TokenEstimator,
    private readonly metrics: LlmMetrics,
  ) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0,
      fetch: nodeHttpFetch,
    });
  }

  async models(): Promise<readonly ModelInfo[]> {
    return MODEL_REGISTRY[this.name];
  }

  /**
   * The model ids the provider's `/models` lists right now, sorted (the model monitor); the
   * whole list within the first-token timeout.
   */
  async listUpstreamModels(): Promise<string[]> {
    // The SDK's `timeout` ends once the headers are in; a signal also bounds reading the body.
    const signal = AbortSignal.timeout(this.options.firstTokenTimeoutMs);
    const ids: string[] = [];
    for await (const model of this.client.models.list({ signal })) ids.push(model.id);
    return ids.sort();
  }

  /**
   * One tiny request to the default model and no other (the model monitor): a fallback would
   * hide a key, balance or missing-model error. Throws what failed, as `generate` does.
   */
  async checkHealth(): Promise<void> {
    await this.generate([{ role: 'user', content: 'Reply with OK.' }], {
      model: this.defaultModel,
      maxTokens: 5,
    });
  }

  generateStream(
    messages: ChatMessage[],
    config: GenerationConfig = {},
    signal?: AbortSignal,
  ): AsyncIterable<LlmStreamEvent> {
    return streamWithFallback(
      async () =>
        (await this.candidateModels(config.model)).map(
          (model) => () => this.streamModel(model, messages, config, signal),
        ),
      async (error) => {
        const failure = error as UpstreamError;
        this.metrics.failed(failure);
        this.logger.warn(
          `${this.name}/${failure.model} failed (${failure.kind}): ${failure.message}`,
        );
        // A model we picked (unset or `auto`: every default chat and background job) sits
        // out its cooldown. One the caller named (any name is accepted) cools down for
        // nobody: one caller must not take a model away from everyone, nor fill the table
        // with made-up names. A billing error still blocks the provider: its text cannot be
        // forged by the name.
        if (isOurPick(config.model) || failure.kind === 'balance') {
          await this.availability.recordFailure(failure);
        }
        // A billing error blocks the whole provider: its other models would fail alike.
        return failure.kind !== 'balance';
      },
      signal,
      (from) => this.metrics.fellBack(from, 'model'),
    );
  }

  async generate(
    messages: ChatMessage[],
    config: GenerationConfig = {},
    signal?: AbortSignal,
  ): Promise<LlmResult> {
    const result = await collectStream(this.generateStream(messages, config, signal));
    if (!this.retriesGarbledReplies || !isGarbledReply(result.content, config.language)) {
      return result;
    }
    this.logger.warn(
      `${this.name}/${result.model} replied in the wrong script or language; retrying once`,
    );
    return collectStream(this.generateStream(messages, config, signal));
  }

  /** Hook: the body as the provider's API wants it (drop or add fields). */
  protected shapeRequest(body: ChatRequestBody, _model: string): ChatRequestBody {
    return body;
  }

  /** Hook: the messages as the model wants them (e.g. no system role). */
  protected shapeMessages(messages: ChatMessage[], model: string): ChatMessage[] {
    return this.readsSystemOnlyFirst(model)
      ? joinLeadingSystemMessages(foldLateSystemMessages(messages))
      : messages;
  }

  /**
   * Hook: the model reads system messages only at the top (see foldLateSystemMessages), so
   * the instructions meant to be read last go into the last user turn instead, and the leading
   * ones become one (joinLeadingSystemMessages).
   */
  protected readsSystemOnlyFirst(_model: string): boolean {
    return false;
  }

  /**
   * Checked on every request, so a block or an admin switch applies to every caller at once.
   * Then: an explicit model alone; unset: the default model, backed up by the auto picks;
   * `auto`: the auto picks (the best three, spread over vendors, none on cooldown).
   */
  private async candidateModels(requested?: string): Promise<string[]> {
    const unavailable = await this.availability.unavailableReason(this.name);
    if (unavailable) throw new ProviderUnavailableError(this.name, unavailable);
    if (requested && requested !== 'auto') return [requested];
    const usable = await this.availability.withoutCoolingDown(this.name, await this.models());
    if (usable.length === 0) {
      throw new LlmRequestFailedError([
        {
          provider: this.name,
          model: 'auto',
          kind: 'unavailable',
          message: 'every model is cooling down',
        },
      ]);
    }
    const picks = pickFallbackModels(usable).map((model) => model.id);
    if (requested === 'auto' || !usable.some((model) => model.id === this.defaultModel)) {
      return picks;
    }
    return [this.defaultModel, ...picks.filter((id) => id !== this.defaultModel)].slice(
      0,
      AUTO_FALLBACK_SIZE,
    );
  }

  private requestBody(
    model: string,
    messages: ChatMessage[],
    config: GenerationConfig,
    refused: readonly SamplingField[] = this.refused.get(model) ?? [],
  ): ChatRequestBody {
    const body = this.shapeRequest(
      {
        model,
        messages: this.shapeMessages(messages, model),
        stream: true,
        // Without it most providers send no usage in streams.
        stream_options: { include_usage: true },
        temperature: config.temperature,
        top_p: config.topP,
        top_k: this.acceptsTopK ? config.topK : undefined,
        max_tokens: config.maxTokens,
        frequency_penalty: config.frequencyPenalty,
        presence_penalty: config.presencePenalty,
      },
      model,
    );
    if (refused.length === 0) return body;
    return { ...body, ...Object.fromEntries(refused.map((field) => [field, undefined])) };
  }

  /**
   * Opens the model's stream. A refusal naming sampling fields we sent (penalties on Gemini
   * 2.5, temperature on a reasoning model: providers change what they take) is answered by
   * the same request without them, at once; once that one is accepted, the model's requests
   * leave them out from then on instead of being refused on every request. `retrying` hears
   * of the refusal before the second request.
   */
  private async open(
    model: string,
    messages: ChatMessage[],
    config: GenerationConfig,
    signal: AbortSignal,
    retrying: (refusal: UpstreamError) => void,
  ) {
    const body = this.requestBody(model, messages, config);
    try {
      return await this.client.chat.completions.create(body, { signal });
    } catch (error) {
      if (signal.aborted) throw error;
      const refusal = toUpstreamError(this.name, model, error);
      const fields = refusedFields(refusal, body);
      if (fields.length === 0) throw error;
      retrying(refusal);
      const without = [...(this.refused.get(model) ?? []), ...fields];
      const stream = await this.client.chat.completions.create(
        this.requestBody(model, messages, config, without),
        { signal },
      );
      if (!this.refused.has(model) && this.refused.size >= MAX_LEARNED_MODELS) {
        this.refused.delete(this.refused.keys().next().value!);
      }
      this.refused.set(model, without);
      this.logger.warn(
        `${this.name}/${model} refused ${fields.join(', ')} (${refusal.message}): ` +
          'left out of its requests from now on',
      );
      return stream;
    }
  }

  /**
   * One attempt at one model. Its own AbortController ends the upstream request when the
   * caller aborts, when the caller stops iterating, and when the model stays silent: no chunk
   * (content or reasoning) within the first-token timeout, or none for a whole idle period
   * later (noticed within two periods). The SDK then ends its iteration quietly or throws a
   * connection error, depending on timing, so both are checked.
   */
  private async *streamModel(
    model: string,
    messages: ChatMessage[],
    config: GenerationConfig,
    signal?: AbortSignal,
  ): AsyncGenerator<LlmStreamEvent> {
    signal?.throwIfAborted();
    let measured = this.metrics.attempt(this.name, model);
    const attempt = new AbortController();
    const cancel = () => attempt.abort();
    signal?.addEventListener('abort', cancel, { once: true });

    let alive = false;
    // Something arrived since the watchdog last looked. Setting a flag per chunk is cheaper
    // than re-arming a timer per chunk; the watchdog re-arms itself once per period instead.
    let active = false;
    // Time spent waiting for our own caller to take a token is not the model's silence.
    let callerHolds = false;
    let silence: 'first token' | 'idle' | undefined;
    const watchdog = () => {
      if (active || callerHolds) {
        active = false;
        timer = setTimeout(watchdog, this.options.streamIdleTimeoutMs);
        return;
      }
      silence = alive ? 'idle' : 'first token';
      attempt.abort();
    };
    let timer = setTimeout(watchdog, this.options.firstTokenTimeoutMs);

    const timeoutError = () =>
      new UpstreamError(
        this.name,
        model,
        'timeout',
        silence === 'idle'
          ? `stream silent for ${this.options.streamIdleTimeoutMs} ms`
          : `no token within ${this.options.firstTokenTimeoutMs} ms`,
      );

    const filter = new ThinkingFilter();
    let content = '';
    let reported: OpenAI.CompletionUsage | undefined;
    let finished = false;
    // A response that just ends (a proxy timing out, a provider dying behind its load
    // balancer) raises nothing in the SDK: only a finish_reason or the usage chunk says the
    // model got to the end, so without either the text is a fragment, not a reply.
    let completed = false;
    let finishReason: string | null | undefined;
    // An upstream that ignores max_tokens would otherwise grow the reply (and every replay of
    // it to followers) without end: it is cut here and ends as if the limit was hit.
    const maxChars = (config.maxTokens ?? UNCAPPED_TOKENS) * MAX_CHARS_PER_TOKEN;
    let overflow = false;
    try {
      const stream = await this.open(model, messages, config, attempt.signal, (refusal) => {
        this.metrics.failed(refusal);
        measured = this.metrics.attempt(this.name, model);
      });
      for await (const chunk of stream) {
        if (chunk.usage) reported = chunk.usage;
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
        if (chunk.usage || finishReason) completed = true;
        const delta = chunk.choices[0]?.delta as DeltaWithReasoning | undefined;
        if (delta?.content || delta?.reasoning_content || delta?.reasoning) {
          alive = active = true;
          // In bounded pieces, each checked against the ceiling before any work on the next:
          // an oversized delta costs what fits, and nothing past here sees a bigger string.
          for (const piece of textPieces(delta.content ?? '')) {
            let text = filter.push(withoutNul(piece));
            if (content.length + text.length > maxChars) {
              text = headOf(text, maxChars - content.length);
              overflow = true;
            }
            if (text) {
              if (!content) measured.firstToken();
              content += text;
              callerHolds = true;
              yield { type: 'delta', text };
              callerHolds = false;
            }
            if (overflow) break;
          }
        }
        if (overflow) {
          completed = true;
          finishReason = 'length';
          break;
        }
        if (chunk.usage) {
          // Usage comes last, `[DONE]` right after: an upstream that then keeps the
          // connection open is given a moment, not the idle timeout. Not cut at once, which
          // would cost the keep-alive connection every reply reuses.
          clearTimeout(timer);
          timer = setTimeout(() => {
            silence = 'idle';
            attempt.abort();
          }, AFTER_USAGE_GRACE_MS);
        }
      }
      // Cut short: the upstream request is aborted below, as when the caller stops.
      finished = !overflow;
    } catch (error) {
      signal?.throwIfAborted();
      // The watchdog cut a stream that had already finished (it just never closed): a reply.
      if (!(silence && completed)) {
        throw silence ? timeoutError() : toUpstreamError(this.name, model, error);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      // Ends the upstream request when the caller stopped early. Not after a complete stream:
      // an abort builds DOMExceptions (ours and the SDK's), a measurable cost per stream.
      if (!finished) attempt.abort();
    }
    signal?.throwIfAborted();
    if (silence && !completed) throw timeoutError();
    if (!completed) {
      throw new UpstreamError(
        this.name,
        model,
        'connection',
        'the stream ended before the reply was finished',
      );
    }

    // What the filter held back (a possible tag's start: a few characters) is the reply's end.
    const tail = overflow ? '' : headOf(filter.flush(), maxChars - content.length);
    if (tail) {
      if (!content) measured.firstToken();
      content += tail;
      yield { type: 'delta', text: tail };
    }
    if (!content) {
      // Our own token limit spent on hidden reasoning (a tiny max_tokens, the health check's
      // 5): the request's fault, not the model's, so nobody else loses the model for it.
      throw finishReason === 'length'
        ? new UpstreamError(this.name, model, 'rejected', 'max_tokens ran out before any text')
        : new UpstreamError(this.name, model, 'empty', 'the reply was empty');
    }
    const usage = await this.usage(model, reported, messages, content);
    measured.succeeded(usage);
    yield { type: 'usage', model, provider: this.name, ...usage };
  }

  /**
   * The provider's counts when they are counts: a huge, negative or non-numeric one would fail
   * to save (or to count) a reply the client already has, so it is estimated instead.
   */
  private async usage(
    model: string,
    reported: OpenAI.CompletionUsage | undefined,
    messages: ChatMessage[],
    content: string,
  ): Promise<TokenUsage & { estimated: boolean }> {
    const fields = reported as Partial<Record<keyof OpenAI.CompletionUsage, unknown>> | undefined;
    const prompt = tokenCount(fields?.prompt_tokens);
    const completion = tokenCount(fields?.completion_tokens);
    if (reported && (prompt === undefined || completion === undefined)) {
      // Only numbers and strings are shown: an object's toString is the upstream's to break.
      const shown = (value: unknown) =>
        typeof value === 'number' || typeof value === 'string'
          ? JSON.stringify(String(value).slice(0, 40))
          : typeof value;
      this.logger.warn(
        `${this.name}/${model} reported unusable usage (prompt_tokens ${shown(fields?.prompt_tokens)}, ` +
          `completion_tokens ${shown(fields?.completion_tokens)}): estimated instead`,
      );
    }
    return {
      promptTokens: prompt ?? (await this.tokens.countMessages(messages)),
      completionTokens: completion ?? (await this.tokens.count(content)),
      estimated: prompt === undefined || completion === undefined,
    };
  }
}
