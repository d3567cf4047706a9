import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { capMaxTokens, type LimitTier } from '../auth/tiers.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../config/configuration.js';
import type { LlmRequest } from '../llm/llm.service.js';
import type { GenerationConfig } from '../llm/llm.types.js';
import { ModelAllowlistService } from '../llm/models/model-allowlist.service.js';
import { PAID_PROVIDERS } from '../llm/models/model-registry.js';
import type { GenerationOptionsDto } from './dto/message.dto.js';

/** Which provider(s) answer, as LlmService.stream takes it. */
export type ReplyRoute = Pick<LlmRequest, 'provider' | 'providers'> & { model?: string };

/**
 * Who writes a reply and how: the providers the cost mode and the tier allow (the route) and
 * the sampling settings. Apart from the prompt (ReplyContextService): a round casts them once
 * for all its speakers (RoundCasting), chat settings are checked against them, and persona
 * replies use them too.
 */
@Injectable()
export class ReplyRouting {
  constructor(
    private readonly settings: SettingsService,
    @InjectConfig() private readonly config: AppConfig,
    private readonly allowlist: ModelAllowlistService,
  ) {}

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
