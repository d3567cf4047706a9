import type { LlmProviderName } from '../config/configuration.js';

/** `offline` answers from templates when no provider key is configured (see OfflineProvider). */
export type ProviderName = LlmProviderName | 'offline';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Sampling settings; a provider drops the ones its API rejects. */
export interface GenerationConfig {
  /**
   * A model id of the provider; `auto` (or unset) lets the provider choose: its default model
   * when unset, else the top 3 of its registry, each tried before the first token only.
   */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /**
   * ISO 639-1 code of the language the reply should be in. Enables the mixed-language check
   * behind the one retry of `generate()` on providers prone to it.
   */
  language?: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What answered: the model can differ from the one asked for after a fallback. */
export interface ModelUsed {
  provider: ProviderName;
  model: string;
}

/**
 * A stream is any number of `delta` events, then exactly one `usage` event naming the model
 * that produced every delta (fallback never mixes models within one reply).
 */
export type LlmStreamEvent =
  | { type: 'delta'; text: string }
  | ({
      type: 'usage';
      /** Counted by our tokenizer, not reported by the provider. */ estimated: boolean;
    } & TokenUsage &
      ModelUsed);

export interface LlmResult extends TokenUsage, ModelUsed {
  content: string;
}

/** Registry entry of a model, with the quality score `auto` ranks by. */
export interface ModelInfo {
  id: string;
  name: string;
  /** Who trained it; `auto` spreads its picks over vendors. */
  vendor: string;
  /** 0-10, our judgement of roleplay quality. */
  quality: number;
  /** The provider lets it write adult content. */
  nsfw: boolean;
  /** It reasons before answering (its reasoning is never forwarded). */
  thinking: boolean;
}

export interface LlmProvider {
  readonly name: ProviderName;
  /** Text deltas as they arrive, then usage. Aborting `signal` cancels the upstream request. */
  generateStream(
    messages: ChatMessage[],
    config?: GenerationConfig,
    signal?: AbortSignal,
  ): AsyncIterable<LlmStreamEvent>;
  generate(
    messages: ChatMessage[],
    config?: GenerationConfig,
    signal?: AbortSignal,
  ): Promise<LlmResult>;
  models(): Promise<readonly ModelInfo[]>;
}
