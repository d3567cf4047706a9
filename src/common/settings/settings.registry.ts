import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../../config/configuration.js';

const PROVIDER_NAMES = LLM_PROVIDER_NAMES;
type ProviderName = LlmProviderName;

export const COST_MODES = ['quality', 'balanced', 'economy'] as const;
export type CostMode = (typeof COST_MODES)[number];

type SettingDefinition =
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'integer'; default: number; min: number; max: number; description: string }
  | { type: 'enum'; default: string; values: readonly string[]; description: string };

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
  ...providerToggles,
} satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K]['default'] extends boolean
  ? boolean
  : (typeof SETTINGS)[K]['default'] extends number
    ? number
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
  }
}
