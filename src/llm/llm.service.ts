import { Injectable, Logger } from '@nestjs/common';
import { DeferJobError } from '../common/jobs/job-queue.service.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { LlmProviderName } from '../config/configuration.js';
import {
  ProviderAvailabilityService,
  type ProviderStatus,
} from './availability/provider-availability.service.js';
import {
  type AttemptFailure,
  type FailureKind,
  LlmRequestFailedError,
  ProviderUnavailableError,
} from './llm.errors.js';
import { describeFailure, failedStream, failuresOf, streamWithFallback } from './llm-stream.js';
import type {
  ChatMessage,
  GenerationConfig,
  LlmProvider,
  LlmResult,
  LlmStreamEvent,
  ProviderName,
} from './llm.types.js';
import { LlmProviderRegistry } from './providers/provider-registry.js';
import { BackgroundBudget } from './usage/background-budget.service.js';

/** How long background work waits when none of its providers is available. */
const NO_PROVIDER_WAIT_MS = 5 * 60_000;

export type { ProviderStatus };

/** A provider's answer to one minimal request: fine, or what failed and how. */
export type ProviderHealth = { ok: true } | { ok: false; kind: FailureKind; message: string };

export interface LlmRequest {
  messages: ChatMessage[];
  /**
   * A provider by name (its `config.model`, or its own choice), or `auto` (the default): the
   * available providers in `providers` order, each choosing among its top models.
   */
  provider?: ProviderName | 'auto';
  /** The order `auto` tries; default LLM_PROVIDER_ORDER. */
  providers?: readonly string[];
  config?: GenerationConfig;
  /** Aborting it (client gone) cancels the upstream request; the stream then throws its reason. */
  signal?: AbortSignal;
  /**
   * Work besides a chat reply (drafts, summaries): refused with BackgroundBudgetSpentError once
   * the day's background budget is spent, and its tokens count toward it. generate() only.
   */
  background?: boolean;
}

/**
 * The LLM module's facade for chat, characters and autonomous jobs.
 *
 * Fallback happens only before the first token reaches the caller, within a provider (its
 * models) and, for `auto`, across providers; the `usage` event or result names the model that
 * actually answered. Errors: ProviderUnavailableError (nothing may serve), LlmRequestFailedError
 * (everything tried failed, or the reply broke off mid-stream), or the signal's abort reason.
 */
@Injectable()
export class LlmService {
  private readonly logger = new Logger(LlmService.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly registry: LlmProviderRegistry,
    private readonly availability: ProviderAvailabilityService,
    private readonly budget: BackgroundBudget,
    private readonly metrics: MetricsService,
  ) {}

  /** Text deltas as they arrive, then one `usage` event naming provider and model. */
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const { messages, config, signal } = request;
    if (request.provider && request.provider !== 'auto') {
      // Handed over as is: every wrapping generator costs each token a few microtasks.
      return (
        this.registry.find(request.provider)?.generateStream(messages, config, signal) ??
        failedStream(new ProviderUnavailableError(request.provider, 'not_configured'))
      );
    }
    return streamWithFallback(
      async () =>
        (await this.autoProviders(request.providers)).map(
          (provider) => () => provider.generateStream(messages, autoConfig(config), signal),
        ),
      async (error) => {
        this.logger.warn(`Trying the next provider after: ${describeFailure(error)}`);
        return true;
      },
      signal,
      (from) => this.metrics.llm.fellBack(from, 'provider'),
    );
  }

  /** The whole reply at once (providers prone to garbled output retry it once). */
  async generate(request: LlmRequest): Promise<LlmResult> {
    if (!request.background) return this.generateNow(request);
    await this.budget.assertAvailable();
    const result = await this.generateNow(request);
    await this.budget.record(result);
    return result;
  }

  private async generateNow(request: LlmRequest): Promise<LlmResult> {
    const { messages, config, signal } = request;
    if (request.provider && request.provider !== 'auto') {
      const provider = this.registry.find(request.provider);
      if (!provider) throw new ProviderUnavailableError(request.provider, 'not_configured');
      return provider.generate(messages, config, signal);
    }
    return this.generateFrom(await this.autoProviders(request.providers), messages, config, signal);
  }

  /**
   * For background jobs: the available providers in `order` (default AUTONOMOUS_PROVIDER_ORDER:
   * paid first, free as fallback), each with model `auto`. Never the offline provider — a job
   * must not store template text. Counted against the daily background budget (refused with
   * BackgroundBudgetSpentError once it is spent).
   */
  async generateWithFallback(
    messages: ChatMessage[],
    config: GenerationConfig = {},
    order: readonly string[] = this.config.llm.autonomousProviderOrder,
  ): Promise<LlmResult> {
    const providers = await this.registry.available(order);
    if (providers.length === 0) throw new ProviderUnavailableError('auto', 'none_available');
    await this.budget.assertAvailable();
    const result = await this.generateFrom(providers, messages, config);
    await this.budget.record(result);
    return result;
  }

  /**
   * `order` (SUMMARY_PROVIDER_ORDER, MEMORY_PROVIDER_ORDER) when it names a provider with a key,
   * else the chat replies' LLM_PROVIDER_ORDER: background work has a provider where chats do.
   */
  backgroundOrder(order: readonly string[]): readonly string[] {
    const configured = order.some((name) => this.config.llm.providers[name as LlmProviderName]);
    return configured ? order : this.config.llm.providerOrder;
  }

  /**
   * The providers a background job (`work`: "summary", "memory") may call now, from
   * `backgroundOrder(order)`; null when the day's background budget is spent (the job skips).
   * With none available the job waits NO_PROVIDER_WAIT_MS without using an attempt.
   */
  async backgroundProviders(
    order: readonly string[],
    work: string,
  ): Promise<ProviderName[] | null> {
    const providers = await this.availableProviders(this.backgroundOrder(order));
    if (providers.length === 0) {
      throw new DeferJobError(
        `no ${work} provider is available`,
        new Date(Date.now() + NO_PROVIDER_WAIT_MS),
      );
    }
    return (await this.budget.available()) ? providers : null;
  }

  /** Names of the providers of `order` (default AUTONOMOUS_PROVIDER_ORDER) that may serve now. */
  async availableProviders(
    order: readonly string[] = this.config.llm.autonomousProviderOrder,
  ): Promise<ProviderName[]> {
    return (await this.registry.available(order)).map((provider) => provider.name);
  }

  /**
   * The model monitor's health check: one minimal request to the provider's default model,
   * without fallback. A billing error blocks the provider, as on any request.
   */
  async checkProvider(name: LlmProviderName): Promise<ProviderHealth> {
    const provider = this.registry.configured(name);
    if (!provider) throw new ProviderUnavailableError(name, 'not_configured');
    try {
      await provider.checkHealth();
      return { ok: true };
    } catch (error) {
      const [failure] = failuresOf(error) ?? [];
      if (!failure) throw error;
      // An empty reply to a five-token request still proves key, balance and model work.
      return failure.kind === 'empty'
        ? { ok: true }
        : { ok: false, kind: failure.kind, message: failure.message };
    }
  }

  /** The model ids a configured provider's API lists now (OpenRouter: its free ones). */
  listUpstreamModels(name: LlmProviderName): Promise<string[]> {
    const provider = this.registry.configured(name);
    if (!provider) throw new ProviderUnavailableError(name, 'not_configured');
    return provider.listUpstreamModels();
  }

  /** Every provider's configuration, admin switch, block and cooldowns (admin UI). */
  providerStatus(): Promise<ProviderStatus[]> {
    return this.availability.status();
  }

  private async autoProviders(
    order: readonly string[] = this.config.llm.providerOrder,
  ): Promise<LlmProvider[]> {
    const providers = await this.registry.available(order);
    if (providers.length > 0) return providers;
    if (this.registry.offlineOnly) return [this.registry.offline];
    throw new ProviderUnavailableError('auto', 'none_available');
  }

  private async generateFrom(
    providers: LlmProvider[],
    messages: ChatMessage[],
    config: GenerationConfig | undefined,
    signal?: AbortSignal,
  ): Promise<LlmResult> {
    const failures: AttemptFailure[] = [];
    for (const provider of providers) {
      if (failures.length > 0) this.metrics.llm.fellBack(failures.at(-1)!, 'provider');
      try {
        return await provider.generate(messages, autoConfig(config), signal);
      } catch (error) {
        signal?.throwIfAborted();
        const failed = failuresOf(error);
        if (!failed) throw error;
        this.logger.warn(`Trying the next provider after: ${describeFailure(error)}`);
        failures.push(...failed);
      }
    }
    throw new LlmRequestFailedError(failures);
  }
}

/** Across providers a model id means nothing: each picks its own. */
const autoConfig = (config: GenerationConfig = {}): GenerationConfig => ({
  ...config,
  model: 'auto',
});
