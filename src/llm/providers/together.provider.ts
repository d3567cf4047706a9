import type { ModelInfo } from '../llm.types.js';
import { MODEL_REGISTRY } from '../models/model-registry.js';
import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';

const LIST_TTL_MS = 60 * 60_000;
const RETRY_AFTER_FAILURE_MS = 5 * 60_000;
/** Models we have not scored rank below the scored ones but stay usable by name. */
const UNSCORED_QUALITY = 5;
const CHAT_TYPES = new Set(['chat', 'language']);

interface TogetherModel {
  id: string;
  type?: string;
  display_name?: string;
  organization?: string;
}

/**
 * Together AI: paid per token, no content moderation. Its catalogue changes often, so the
 * registry is the live `/models` list (chat and language models only) with our scores laid
 * over it, refreshed hourly; the static registry stands in until the first refresh works.
 */
export class TogetherProvider extends OpenAiCompatibleProvider {
  readonly name = 'together';
  protected readonly defaultModel = 'deepseek-ai/DeepSeek-V3';
  protected override readonly acceptsTopK = true;
  protected override readonly retriesGarbledReplies = true;

  private listed?: { models: readonly ModelInfo[]; expiresAt: number };

  // DeepSeek's chat template gathers every system message at the top.
  protected override readsSystemOnlyFirst(model: string): boolean {
    return /deepseek/i.test(model);
  }

  private refreshing?: Promise<readonly ModelInfo[]>;

  override async models(): Promise<readonly ModelInfo[]> {
    if (this.listed && this.listed.expiresAt > Date.now()) return this.listed.models;
    this.refreshing ??= this.refreshModels().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The chat and language models Together lists now. */
  override async listUpstreamModels(): Promise<string[]> {
    return (await this.fetchChatModels()).map((model) => model.id).sort();
  }

  /**
   * Plain fetch rather than the SDK's `models.list()`: Together answers with a bare array, not
   * the `{ object: 'list', data }` page the SDK parses.
   */
  private async fetchChatModels(): Promise<TogetherModel[]> {
    const response = await fetch(`${this.options.baseUrl}/models`, {
      headers: { Authorization: `Bearer ${this.options.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return ((await response.json()) as TogetherModel[]).filter((model) =>
      CHAT_TYPES.has(model.type ?? ''),
    );
  }

  private async refreshModels(): Promise<readonly ModelInfo[]> {
    try {
      const scored = new Map(MODEL_REGISTRY.together.map((model) => [model.id, model]));
      const models = (await this.fetchChatModels()).map(
        (model): ModelInfo =>
          scored.get(model.id) ?? {
            id: model.id,
            name: model.display_name ?? model.id,
            vendor: (model.organization ?? model.id.split('/')[0]).toLowerCase(),
            quality: UNSCORED_QUALITY,
            nsfw: true,
            thinking: false,
          },
      );
      if (models.length === 0) throw new Error('no chat or language model in the answer');
      this.listed = { models, expiresAt: Date.now() + LIST_TTL_MS };
    } catch (error) {
      this.logger.warn(`Could not refresh the Together model list: ${String(error)}`);
      this.listed = {
        models: this.listed?.models ?? MODEL_REGISTRY.together,
        expiresAt: Date.now() + RETRY_AFTER_FAILURE_MS,
      };
    }
    return this.listed.models;
  }
}
