import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../../config/configuration.js';
import { parseDuration } from '../duration.js';

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
      /** Fewest entries (default 0), most entries, and most characters per entry. */
      minItems?: number;
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

/**
 * The moderation categories (src/moderation/moderation.types.ts; its tests check the two
 * lists agree) with their thresholds in percent of a classifier's score: at or above
 * `moderation_refuse.*` a text is refused, at or above `moderation_review.*` it goes to review
 * (0: never). `minors_sexual` always refuses.
 */
const MODERATION_THRESHOLDS = {
  minors_sexual: { refuse: 70, review: 30 },
  sexual: { refuse: 0, review: 90 },
  violence_graphic: { refuse: 0, review: 80 },
  self_harm: { refuse: 0, review: 70 },
  hate: { refuse: 0, review: 60 },
  illegal: { refuse: 0, review: 70 },
} as const;
type ModerationCategoryName = keyof typeof MODERATION_THRESHOLDS;

const moderationThresholds = Object.fromEntries(
  Object.entries(MODERATION_THRESHOLDS).flatMap(([category, defaults]) => [
    [
      `moderation_refuse.${category}`,
      {
        type: 'integer',
        default: defaults.refuse,
        min: category === 'minors_sexual' ? 1 : 0,
        max: 100,
        description:
          `Refuse a text whose ${category} score (percent) reaches this` +
          (category === 'minors_sexual' ? '' : '; 0: never refused for it'),
      },
    ],
    [
      `moderation_review.${category}`,
      {
        type: 'integer',
        default: defaults.review,
        min: 0,
        max: 100,
        description:
          `Hold a public character for review (and flag a chat message) whose ${category} ` +
          'score (percent) reaches this' +
          (category === 'sexual' ? ', unless it is rated NSFW' : '') +
          '; 0: never',
      },
    ],
  ]),
) as Record<
  `moderation_${'refuse' | 'review'}.${ModerationCategoryName}`,
  SettingDefinition & { type: 'integer' }
>;

/** Points each kind of violation adds to the user's and the address's score. */
const violationPoints = {
  'violation_points.refused_input': {
    type: 'integer',
    default: 5,
    min: 0,
    max: 1000,
    description: 'Violation points for a message refused by moderation (0: not counted)',
  },
  'violation_points.hard_output': {
    type: 'integer',
    default: 5,
    min: 0,
    max: 1000,
    description: 'Violation points for a reply stopped by moderation (0: not counted)',
  },
  'violation_points.rate_limit': {
    type: 'integer',
    default: 1,
    min: 0,
    max: 1000,
    description: 'Violation points for each request refused by a rate limit (0: not counted)',
  },
  'violation_points.upheld_report': {
    type: 'integer',
    default: 10,
    min: 0,
    max: 1000,
    description:
      'Violation points for the owner of a character whose report an admin upheld (status ' +
      'reviewed; 0: not counted)',
  },
} as const satisfies Record<string, SettingDefinition>;

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
  ...violationPoints,
  'ban_threshold.user': {
    type: 'integer',
    default: 20,
    min: 0,
    max: 1_000_000,
    description:
      'Violation points at which a user is banned (the next step of ban_ladder); 0: users ' +
      'are never banned, their points are still counted',
  },
  'ban_threshold.address': {
    type: 'integer',
    default: 40,
    min: 0,
    max: 1_000_000,
    description:
      'Violation points at which a client address is banned, for everyone there; higher than ' +
      "users' since many people can share one address; 0: addresses are never banned",
  },
  ban_ladder: {
    type: 'list',
    default: ['15m', '1h', '24h', '7d'],
    minItems: 1,
    maxItems: 10,
    maxLength: 6,
    itemProblem: (item: string) =>
      parseDuration(item) === null ? `'${item}' is not a duration such as 15m, 1h, 24h, 7d` : null,
    description:
      'How long the 1st, 2nd, … ban of a user or address lasts (s, m, h, d); every ban past ' +
      'the end lasts as long as the last step',
  },
  violation_decay_hours: {
    type: 'integer',
    default: 24,
    min: 1,
    max: 8760,
    description: 'A score without a violation for this many hours starts again from 0 points',
  },
  ban_ladder_reset_days: {
    type: 'integer',
    default: 30,
    min: 1,
    max: 3650,
    description:
      'A user or address without a violation for this many days starts the ban ladder again',
  },
  login_backoff_after_failures: {
    type: 'integer',
    default: 5,
    min: 1,
    max: 1000,
    description:
      'Failed sign-ins to one email (from any address) before each next attempt must wait, ' +
      '1 s doubling with every failure',
  },
  login_lockout_failures: {
    type: 'integer',
    default: 10,
    min: 1,
    max: 1000,
    description:
      'Failed sign-ins to one email at which it is locked for login_lockout_minutes; each ' +
      'failure after that locks it again until a sign-in succeeds or a day passes without one',
  },
  login_lockout_minutes: {
    type: 'integer',
    default: 15,
    min: 1,
    max: 10_080,
    description: 'How long sign-in to an email stays locked after login_lockout_failures',
  },
  use_card_prompts: {
    type: 'boolean',
    default: true,
    description:
      "Use a character card's own system_prompt and post_history_instructions in its chats, in " +
      "place of the platform's opening instructions and post-history reminder ({{original}} in " +
      "them stands for the platform's text); the platform's format and content rules stay",
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
  ...moderationThresholds,
  moderation_new_account_review_days: {
    type: 'integer',
    default: 0,
    min: 0,
    max: 365,
    description:
      'For accounts younger than this many days, a character that moderation would refuse is ' +
      'held for review instead (private, in the queue); never for minors_sexual. 0: off',
  },
  moderation_provider_enabled: {
    type: 'boolean',
    default: true,
    description:
      'Ask the provider moderation endpoint (MODERATION_PROVIDER_URL) too; false: the ' +
      'built-in rules alone',
  },
  moderation_output_hold_back: {
    type: 'boolean',
    default: false,
    description:
      'Hold each reply back until its sentence is checked, so an offending sentence never ' +
      'reaches a client (costs the first sentence before the first token); false: text streams ' +
      'as it comes and a hard hit stops the reply, saved nowhere',
  },
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
      const minItems = definition.minItems ?? 0;
      const count =
        minItems > 0 ? `${minItems} to ${definition.maxItems}` : `at most ${definition.maxItems}`;
      const size = `of 1 to ${definition.maxLength} characters`;
      const rule = `${key} must be a list of ${count} strings ${size}`;
      if (!Array.isArray(value) || value.length < minItems || value.length > definition.maxItems) {
        return rule;
      }
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
