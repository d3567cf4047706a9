import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LlmAvailabilityRepository } from './availability/llm-availability.repository.js';
import { ProviderAvailabilityService } from './availability/provider-availability.service.js';
import { Clock } from './clock.js';
import { LlmModelCooldownEntity } from './entities/llm-model-cooldown.entity.js';
import { LlmProviderBlockEntity } from './entities/llm-provider-block.entity.js';
import { EmbeddingsService } from './embeddings/embeddings.service.js';
import { LlmService } from './llm.service.js';
import { ModelsController } from './models.controller.js';
import { ModelAllowlistService } from './models/model-allowlist.service.js';
import { ModelsService } from './models.service.js';
import { LlmProviderRegistry } from './providers/provider-registry.js';
import { BackgroundBudget } from './usage/background-budget.service.js';
import { BackgroundSpendRepository } from './usage/background-spend.repository.js';
import { TokenEstimator } from './usage/token-estimator.js';

/**
 * LLM providers behind one facade, LlmService (stream, generate, background fallback, provider
 * status), plus the models each tier may name (ModelAllowlistService, fed by the settings and
 * auth's tier table) and the model lists filtered by it; the embeddings endpoint recall
 * re-ranks with (EmbeddingsService). Depends on config and common.
 */
@Module({
  imports: [TypeOrmModule.forFeature([LlmProviderBlockEntity, LlmModelCooldownEntity])],
  controllers: [ModelsController],
  providers: [
    Clock,
    TokenEstimator,
    LlmAvailabilityRepository,
    ProviderAvailabilityService,
    LlmProviderRegistry,
    LlmService,
    ModelsService,
    ModelAllowlistService,
    BackgroundSpendRepository,
    BackgroundBudget,
    EmbeddingsService,
  ],
  exports: [LlmService, ModelAllowlistService, Clock, TokenEstimator, EmbeddingsService],
})
export class LlmModule {}
