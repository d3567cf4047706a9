import { Injectable, NotFoundException } from '@nestjs/common';
import type { ModelListResponseDto } from './dto/model-list-response.dto.js';
import { LISTED_PROVIDERS, type ListedProvider, MODEL_REGISTRY } from './models/model-registry.js';
import { LlmProviderRegistry } from './providers/provider-registry.js';

const isListed = (provider: string): provider is ListedProvider =>
  (LISTED_PROVIDERS as readonly string[]).includes(provider);

@Injectable()
export class ModelsService {
  constructor(private readonly registry: LlmProviderRegistry) {}

  /**
   * The models of a provider with their scores, best first. A configured provider answers
   * from its live registry (Together's is refreshed hourly), any other from the static one.
   */
  async list(provider: string): Promise<ModelListResponseDto> {
    if (!isListed(provider)) {
      throw new NotFoundException(
        `No model list for provider "${provider}"; try one of: ${LISTED_PROVIDERS.join(', ')}`,
      );
    }
    const models = (await this.registry.configured(provider)?.models()) ?? MODEL_REGISTRY[provider];
    return {
      provider,
      models: [...models]
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
