import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type ModelAllowlist,
  modelAllowed,
  ModelAllowlistService,
} from './models/model-allowlist.service.js';
import type { LimitTier } from '../auth/tiers.js';
import type {
  AllowedModelsResponseDto,
  ModelListResponseDto,
} from './dto/model-list-response.dto.js';
import { LISTED_PROVIDERS, type ListedProvider, MODEL_REGISTRY } from './models/model-registry.js';
import { LlmProviderRegistry } from './providers/provider-registry.js';

const isListed = (provider: string): provider is ListedProvider =>
  (LISTED_PROVIDERS as readonly string[]).includes(provider);

@Injectable()
export class ModelsService {
  constructor(
    private readonly registry: LlmProviderRegistry,
    private readonly allowlists: ModelAllowlistService,
  ) {}

  /**
   * The models of a provider with their scores, best first, that `tier` may name (none when
   * the provider is not on its allowlist). A configured provider answers from its live
   * registry (Together's is refreshed hourly), any other from the static one.
   */
  async list(provider: string, tier: LimitTier): Promise<ModelListResponseDto> {
    if (!isListed(provider)) {
      throw new NotFoundException(
        `No model list for provider "${provider}"; try one of: ${LISTED_PROVIDERS.join(', ')}`,
      );
    }
    return this.listFor(provider, await this.allowlists.forTier(tier));
  }

  /** Every listed provider's models `tier` may name, and its allowlist. */
  async listAll(tier: LimitTier): Promise<AllowedModelsResponseDto> {
    const allowlist = await this.allowlists.forTier(tier);
    const lists = await Promise.all(
      LISTED_PROVIDERS.map((provider) => this.listFor(provider, allowlist)),
    );
    return {
      allowed: ['auto', ...(allowlist.any ? ['*'] : allowlist.entries)],
      providers: lists.filter((list) => list.models.length > 0),
    };
  }

  private async listFor(
    provider: ListedProvider,
    allowlist: ModelAllowlist,
  ): Promise<ModelListResponseDto> {
    const models = (await this.registry.configured(provider)?.models()) ?? MODEL_REGISTRY[provider];
    return {
      provider,
      models: models
        .filter((model) => modelAllowed(allowlist, provider, model.id))
        .sort((a, b) => b.quality - a.quality)
        .map(({ id, name, vendor, quality, nsfw, thinking }) => ({
          id,
          name,
          vendor,
          quality,
          nsfw,
          thinking,
        })),
    };
  }
}
