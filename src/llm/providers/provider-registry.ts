import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../../config/configuration.js';
import { ProviderAvailabilityService } from '../availability/provider-availability.service.js';
import type { LlmProvider, ProviderName } from '../llm.types.js';
import { TokenEstimator } from '../usage/token-estimator.js';
import { AnthropicProvider } from './anthropic.provider.js';
import { CerebrasProvider } from './cerebras.provider.js';
import { DeepSeekProvider } from './deepseek.provider.js';
import { GeminiProvider } from './gemini.provider.js';
import { GroqProvider } from './groq.provider.js';
import { OfflineProvider } from './offline.provider.js';
import type { OpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { OpenAiProvider } from './openai.provider.js';
import { OpenRouterProvider } from './openrouter.provider.js';
import { QwenProvider } from './qwen.provider.js';
import { TogetherProvider } from './together.provider.js';

type ProviderClass = new (
  ...args: ConstructorParameters<typeof OpenAiProvider>
) => OpenAiCompatibleProvider;

const PROVIDER_CLASSES: Record<LlmProviderName, ProviderClass> = {
  openai: OpenAiProvider,
  anthropic: AnthropicProvider,
  gemini: GeminiProvider,
  deepseek: DeepSeekProvider,
  qwen: QwenProvider,
  together: TogetherProvider,
  groq: GroqProvider,
  cerebras: CerebrasProvider,
  openrouter: OpenRouterProvider,
};

/**
 * One instance per provider with a key configured, made once (each holds the keep-alive
 * connections of its SDK client). A block or an admin switch applies everywhere because each
 * provider checks its availability on every request, and `available` filters by it.
 */
@Injectable()
export class LlmProviderRegistry implements OnModuleInit {
  private readonly logger = new Logger('LlmProviders');
  private readonly providers = new Map<LlmProviderName, OpenAiCompatibleProvider>();
  readonly offline: OfflineProvider;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly availability: ProviderAvailabilityService,
    tokens: TokenEstimator,
    metrics: MetricsService,
  ) {
    const { providers, firstTokenTimeoutMs, streamIdleTimeoutMs, offlineTokenDelayMs } = config.llm;
    for (const name of LLM_PROVIDER_NAMES) {
      const settings = providers[name];
      if (!settings) continue;
      const options = { ...settings, firstTokenTimeoutMs, streamIdleTimeoutMs };
      this.providers.set(
        name,
        new PROVIDER_CLASSES[name](options, availability, tokens, metrics.llm),
      );
    }
    this.offline = new OfflineProvider(offlineTokenDelayMs, tokens);
  }

  onModuleInit(): void {
    if (this.offlineOnly) {
      this.logger.warn(
        'No LLM provider key is set: the offline provider answers every chat with template ' +
          'replies (model "offline"). Set e.g. GROQ_API_KEY to use a real model.',
      );
    }
    const unknown = this.config.llm.autonomousProviderOrder.filter((name) => !this.isKnown(name));
    if (unknown.length > 0) {
      this.logger.warn(
        `AUTONOMOUS_PROVIDER_ORDER names unknown providers, ignored: ${unknown.join(', ')}`,
      );
    }
  }

  /** No real provider is configured: the only case the offline provider stands in. */
  get offlineOnly(): boolean {
    return this.providers.size === 0;
  }

  /** The configured instance, whether or not it may serve now (model listings only). */
  configured(name: LlmProviderName): OpenAiCompatibleProvider | undefined {
    return this.providers.get(name);
  }

  /**
   * The provider serving requests for `name` — the offline one when no provider is configured
   * at all — or undefined when it is not configured. Whether it may serve right now is checked
   * by the provider itself on every request.
   */
  find(name: ProviderName): LlmProvider | undefined {
    if (name === 'offline' || this.offlineOnly) return this.offline;
    return this.providers.get(name);
  }

  /** The providers of `order` that may serve requests now, in that order (unknown names skipped). */
  async available(order: readonly string[]): Promise<LlmProvider[]> {
    const usable: LlmProvider[] = [];
    for (const name of new Set(order)) {
      if (!this.isKnown(name)) continue;
      const provider = this.providers.get(name);
      if (provider && !(await this.availability.unavailableReason(name))) usable.push(provider);
    }
    return usable;
  }

  private isKnown(name: string): name is LlmProviderName {
    return (LLM_PROVIDER_NAMES as readonly string[]).includes(name);
  }
}
