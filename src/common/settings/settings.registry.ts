import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../../config/configuration.js';

const PROVIDER_NAMES = LLM_PROVIDER_NAMES;
type ProviderName = LlmProviderName;

export const COST_MODES = ['quality', 'balanced', 'economy'] as const;
export type CostMode = (typeof COST_MODES)[number];

type SettingDefinition =
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'integer'; default: number; min: number; max: number; description: string }
  | { type: 'enum'; default: string; values: readonly string[]; description: string }
  | {
      type: 'list';
      default: readonly string[];
      /** Most entries, and most characters per entry. */
      maxItems: number;
      maxLength: number;
      /** What each entry must be, or why it is not; null when it is fine. */
      itemProblem: (item: string) => string | null;
      description: string;
    };

/** A model allowlist entry: `*`, a provider (any of its models), or `provider:model`. */
const MODEL_ENTRY = /^(\*|([a-z]+)(:[\w.:/@*-]+)?)$/;

function modelEntryProblem(entry: string): string | null {
  const match = MODEL_ENTRY.exec(entry);
  if (!match) return `'${entry}' is not *, a provider or provider:model`;
  const provider = match[2];
  if (provider !== undefined && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    return `'${provider}' is not a provider (${PROVIDER_NAMES.join(', ')})`;
  }
  return null;
}

const modelList = (defaults: readonly string[], who: string) =>
  ({
    type: 'list',
    default: defaults,
    maxItems: 100,
    maxLength: 200,
    itemProblem: modelEntryProblem,
    description:
      `Models ${who} may name (\`auto\` is always allowed): \`*\` for any, a provider for ` +
      'any of its models, or provider:model, where * in the model matches any text',
  }) as const;

/** Free providers only; OpenRouter passes any model id on (and bills it), so only `:free`. */
const FREE_MODELS = ['groq', 'cerebras', 'openrouter:*:free'] as const;

const providerToggles = Object.fromEntries(
  PROVIDER_NAMES.map((name) => [
    `provider_enabled.${name}`,
    {
      type: 'boolean',
      default: true,
      description: `Whether the ${name} provider may be used; true also clears an automatic block`,
    },
  ]),
) as Record<`provider_enabled.${ProviderName}`, SettingDefinition & { type: 'boolean' }>;

/** Every admin setting with its type, range and default (spec: admin/router.py). */
export const SETTINGS = {
  notify_registration: {
    type: 'boolean',
    default: false,
    description: 'Email the admins on every new registration',
  },
  notify_errors: {
    type: 'boolean',
    default: true,
    description: 'Email the admins a digest of error-level log lines',
  },
  alert_llm_outage_minutes: {
    type: 'integer',
    default: 10,
    min: 1,
    max: 1440,
    description:
      'Email the admins once no LLM request has succeeded for this many minutes while requests ' +
      'fail (every provider failing); also the window of alert_provider_failure_rate',
  },
  alert_provider_failure_rate: {
    type: 'integer',
    default: 50,
    min: 1,
    max: 100,
    description:
      "Email the admins when this percentage or more of a provider's requests failed over the " +
      'last alert_llm_outage_minutes (counted from 10 requests on)',
  },
  paid_mode: {
    type: 'boolean',
    default: false,
    description: 'Legacy switch: when on, paid providers for all (cost_mode quality)',
  },
  cost_mode: {
    type: 'enum',
    default: 'balanced',
    values: COST_MODES,
    description:
      'quality: paid for all; balanced: paid for users, free for guests; economy: free only',
  },
  daily_message_limit: {
    type: 'integer',
    default: 200,
    min: 1,
    max: 1_000_000,
    description: 'Messages per day for the free tier',
  },
  max_personas: {
    type: 'integer',
    default: 10,
    min: 1,
    max: 1000,
    description: 'Personas per user',
  },
  anon_message_limit: {
    type: 'integer',
    default: 20,
    min: 0,
    max: 1_000_000,
    description: 'Messages per guest session; 0 disables guest chat',
  },
  anon_daily_messages_per_address: {
    type: 'integer',
    default: 100,
    min: 0,
    max: 1_000_000,
    description:
      'Guest messages per client address per UTC day, over all its guest sessions; 0 = no address limit',
  },
  guest_chat_retention_days: {
    type: 'integer',
    default: 30,
    min: 1,
    max: 3650,
    description: 'Guest chats idle this many days are deleted by the daily cleanup task',
  },
  stats_users_offset: {
    type: 'integer',
    default: 1200,
    min: 0,
    max: 100_000_000,
    description: 'Added to the public user count',
  },
  stats_messages_offset: {
    type: 'integer',
    default: 45000,
    min: 0,
    max: 1_000_000_000,
    description: 'Added to the public message count',
  },
  translations_per_owner_daily: {
    type: 'integer',
    default: 10,
    min: 0,
    max: 100_000,
    description:
      'Character translations run per owner and UTC day; more wait for the next day (0: none)',
  },
  ai_drafts_per_user_daily: {
    type: 'integer',
    default: 20,
    min: 0,
    max: 100_000,
    description: 'AI character drafts per user and UTC day, admins excepted (0: none)',
  },
  impersonate_min_tier: {
    type: 'enum',
    default: 'free',
    values: ['anon', 'free', 'premium', 'admin'],
    description:
      'The lowest tier that may have the model suggest their next line (POST ' +
      '/api/chats/{id}/impersonate): anon lets guests too',
  },
  background_llm_daily_tokens: {
    type: 'integer',
    default: 5_000_000,
    min: 0,
    max: 1_000_000_000,
    description:
      'LLM tokens per UTC day for work besides chat replies (translations, drafts, summaries, ' +
      'scheduled jobs); once spent that work waits for the next day and the admins get one mail',
  },
  'allowed_models.guest': modelList(FREE_MODELS, 'guests'),
  'allowed_models.free': modelList(
    [
      ...FREE_MODELS,
      'openai:gpt-4.1-mini',
      'anthropic:claude-haiku-4-5',
      'gemini:gemini-2.5-flash',
      'gemini:gemini-2.5-flash-lite',
      'deepseek:deepseek-chat',
      'qwen:qwen3-32b',
      'qwen:qwen-plus',
      'together:meta-llama/Llama-3.3-70B-Instruct-Turbo',
      'together:mistralai/Mistral-Small-24B-Instruct-2501',
    ],
    'free users',
  ),
  'allowed_models.premium': modelList(['*'], 'premium users'),
  ...providerToggles,
} satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K]['default'] extends boolean
  ? boolean
  : (typeof SETTINGS)[K]['default'] extends number
    ? number
    : (typeof SETTINGS)[K]['default'] extends readonly string[]
      ? readonly string[]
      : string;

export const isSettingKey = (key: string): key is SettingKey => Object.hasOwn(SETTINGS, key);

/** Checks a value against its setting's declared type and range; returns the problem or null. */
export function settingProblem(key: SettingKey, value: unknown): string | null {
  const definition: SettingDefinition = SETTINGS[key];
  switch (definition.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${key} must be a boolean`;
    case 'integer':
      return Number.isSafeInteger(value) &&
        (value as number) >= definition.min &&
        (value as number) <= definition.max
        ? null
        : `${key} must be an integer from ${definition.min} to ${definition.max}`;
    case 'enum':
      return definition.values.includes(value as string)
        ? null
        : `${key} must be one of: ${definition.values.join(', ')}`;
    case 'list': {
      const rule =
        `${key} must be a list of at most ${definition.maxItems} strings ` +
        `of 1 to ${definition.maxLength} characters`;
      if (!Array.isArray(value) || value.length > definition.maxItems) return rule;
      for (const item of value as unknown[]) {
        if (typeof item !== 'string' || item.length === 0 || item.length > definition.maxLength) {
          return rule;
        }
        const problem = definition.itemProblem(item);
        if (problem) return `${key}: ${problem}`;
      }
      return null;
    }
  }
}
