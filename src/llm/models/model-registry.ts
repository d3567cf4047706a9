import type { ProviderName } from '../llm.types.js';
import type { ModelInfo } from '../llm.types.js';

// Registries of the models each provider may use, with our roleplay-quality scores (0-10).
// `auto` picks from these; Together's list is refreshed from its API (see TogetherProvider).

type Entry = [
  id: string,
  name: string,
  vendor: string,
  quality: number,
  nsfw: boolean,
  thinking?: boolean,
];

const registry = (entries: Entry[]): readonly ModelInfo[] =>
  entries.map(([id, name, vendor, quality, nsfw, thinking = false]) => ({
    id,
    name,
    vendor,
    quality,
    nsfw,
    thinking,
  }));

export const MODEL_REGISTRY: Record<ProviderName, readonly ModelInfo[]> = {
  openai: registry([
    ['gpt-4.1', 'GPT-4.1', 'openai', 8.5, false],
    ['gpt-4.1-mini', 'GPT-4.1 mini', 'openai', 7.5, false],
    ['gpt-4o', 'GPT-4o', 'openai', 8, false],
  ]),
  anthropic: registry([
    ['claude-sonnet-4-6', 'Claude Sonnet 4.6', 'anthropic', 9.5, false],
    ['claude-haiku-4-5', 'Claude Haiku 4.5', 'anthropic', 8, false],
  ]),
  gemini: registry([
    ['gemini-2.5-flash', 'Gemini 2.5 Flash', 'google', 8, false],
    ['gemini-2.5-pro', 'Gemini 2.5 Pro', 'google', 9, false, true],
    ['gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 'google', 6.5, false],
  ]),
  deepseek: registry([
    ['deepseek-chat', 'DeepSeek V3', 'deepseek', 8.5, true],
    ['deepseek-reasoner', 'DeepSeek R1 (reasoner)', 'deepseek', 8, true, true],
  ]),
  qwen: registry([
    ['qwen3-32b', 'Qwen3 32B', 'alibaba', 7, false],
    ['qwen-plus', 'Qwen Plus', 'alibaba', 7.5, false],
    ['qwen-max', 'Qwen Max', 'alibaba', 8, false],
  ]),
  // Paid and unmoderated; the refreshed list adds every chat model Together serves.
  together: registry([
    ['deepseek-ai/DeepSeek-V3', 'DeepSeek V3', 'deepseek', 8.5, true],
    ['meta-llama/Llama-3.3-70B-Instruct-Turbo', 'Llama 3.3 70B Turbo', 'meta', 7.5, true],
    ['Qwen/Qwen2.5-72B-Instruct-Turbo', 'Qwen 2.5 72B Turbo', 'alibaba', 7.5, true],
    ['mistralai/Mistral-Small-24B-Instruct-2501', 'Mistral Small 3', 'mistral', 6.5, true],
    ['deepseek-ai/DeepSeek-R1', 'DeepSeek R1', 'deepseek', 8, true, true],
  ]),
  // Free tier, six models.
  groq: registry([
    ['llama-3.3-70b-versatile', 'Llama 3.3 70B', 'meta', 7.5, true],
    ['moonshotai/kimi-k2-instruct', 'Kimi K2', 'moonshot', 8.5, false],
    ['openai/gpt-oss-120b', 'GPT-OSS 120B', 'openai', 7.5, false, true],
    ['meta-llama/llama-4-maverick-17b-128e-instruct', 'Llama 4 Maverick', 'meta', 7, true],
    ['qwen/qwen3-32b', 'Qwen3 32B', 'alibaba', 7, false, true],
    ['llama-3.1-8b-instant', 'Llama 3.1 8B', 'meta', 5, true],
  ]),
  // Free tier, three models; the API rejects frequency/presence penalties.
  cerebras: registry([
    ['llama-3.3-70b', 'Llama 3.3 70B', 'meta', 7.5, true],
    ['gpt-oss-120b', 'GPT-OSS 120B', 'openai', 7.5, false, true],
    ['qwen-3-32b', 'Qwen3 32B', 'alibaba', 7, false, true],
  ]),
  // Free models (`:free`), eight of them.
  openrouter: registry([
    ['deepseek/deepseek-chat-v3-0324:free', 'DeepSeek V3', 'deepseek', 8.5, true],
    ['moonshotai/kimi-k2:free', 'Kimi K2', 'moonshot', 8.5, false],
    ['deepseek/deepseek-r1-0528:free', 'DeepSeek R1', 'deepseek', 8, true, true],
    ['qwen/qwen3-235b-a22b:free', 'Qwen3 235B', 'alibaba', 8, false, true],
    ['meta-llama/llama-3.3-70b-instruct:free', 'Llama 3.3 70B', 'meta', 7.5, true],
    ['z-ai/glm-4.5-air:free', 'GLM 4.5 Air', 'zhipu', 7.5, true],
    ['google/gemma-3-27b-it:free', 'Gemma 3 27B', 'google', 7, false],
    ['mistralai/mistral-small-3.2-24b-instruct:free', 'Mistral Small 3.2', 'mistral', 7, true],
  ]),
  offline: registry([['offline', 'Offline (template replies)', 'offline', 0, true]]),
};

/** Providers whose model lists `GET /api/models/{provider}` publishes. */
export const LISTED_PROVIDERS = ['openrouter', 'groq', 'cerebras', 'together'] as const;
export type ListedProvider = (typeof LISTED_PROVIDERS)[number];

/** Pay-per-token providers; the others are free tiers (chat's cost mode picks between them). */
export const PAID_PROVIDERS: ReadonlySet<ProviderName> = new Set([
  'openai',
  'anthropic',
  'gemini',
  'deepseek',
  'qwen',
  'together',
]);
