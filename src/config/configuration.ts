import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, Environment, validateEnvironment } from './environment.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

export const LLM_PROVIDER_NAMES = [
  'openai',
  'anthropic',
  'gemini',
  'deepseek',
  'qwen',
  'together',
  'groq',
  'cerebras',
  'openrouter',
] as const;
export type LlmProviderName = (typeof LLM_PROVIDER_NAMES)[number];

export interface AppConfig {
  env: Environment['NODE_ENV'];
  /** Deprecated settings still honoured; logged once the logger is up (createApp). */
  warnings: string[];
  http: {
    port: number;
    bodyLimitBytes: number;
    /** A response whose client reads nothing of it for this long is cut; 0: never. */
    sendIdleTimeoutMs: number;
    corsOrigins: string[];
    /** Express's `trust proxy`: off, a hop count or the proxies' addresses (TRUST_PROXY). */
    trustProxy: TrustProxy;
    shutdownTimeoutMs: number;
  };
  log: {
    level: Environment['LOG_LEVEL'];
    format: 'json' | 'text';
    /** Error-level records reach ADMIN_EMAILS as a digest this often (fatal ones at once). */
    errorDigestIntervalMs: number;
  };
  database: {
    /** Unset: main.ts starts an embedded PostgreSQL and fills this in. */
    url?: string;
    poolSize: number;
    statementTimeoutMs: number;
    embeddedPort: number;
  };
  jobs: { pollIntervalMs: number; lockMs: number };
  /** Other instances see an admin settings change within this long. */
  settings: { cacheTtlMs: number };
  /** Anonymous catalogue pages, searches and SEO pages (src/characters/catalogue-cache.service.ts). */
  catalogueCache: { ttlMs: number; maxBytes: number };
  autonomous: {
    enabled: boolean;
    startupDelayMs: number;
    checkIntervalMs: number;
    imageModel: string;
  };
  chat: {
    /** Providers the chat summarizer tries, in order (SUMMARY_PROVIDER_ORDER). */
    summaryProviderOrder: LlmProviderName[];
    /** Providers the character-memory extractor tries, in order (MEMORY_PROVIDER_ORDER). */
    memoryProviderOrder: LlmProviderName[];
    /** How long after a reply its chat's memory extraction waits (MEMORY_EXTRACT_DELAY_MS). */
    memoryExtractDelayMs: number;
    /** Re-attached reply streams at once on this instance: per chat, per user or guest. */
    followersPerChat: number;
    followersPerCaller: number;
    /** Chat files this instance writes at once (CHAT_EXPORT_CONCURRENCY). */
    exportConcurrency: number;
  };
  storage: { avatarDir: string };
  /** Card exports written at once by this instance (CARD_EXPORT_CONCURRENCY). */
  cards: { exportConcurrency: number };
  /** Starter characters are added at start-up to a catalogue that never had any. */
  starters: { seed: boolean };
  dataDir: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  auth: {
    jwtSecret: string;
    jwtExpiresIn: string;
    adminEmails: string[];
    botDelayMs: number;
    /** Multiplies every rate limit; 0 turns rate limiting off. */
    rateLimitScale: number;
    /** TOKEN_USAGE_FLUSH_MS: 0 writes each reply's tokens at once. */
    tokenUsageFlushMs: number;
  };
  frontendUrl: string;
  site: { name: string; mode: Environment['SITE_MODE'] };
  google: {
    /** Unset client id or secret: Google sign-in answers 503. */
    clientId?: string;
    clientSecret?: string;
    callbackUrl?: string;
    authUrl: string;
    tokenUrl: string;
    userInfoUrl: string;
  };
  llm: {
    /** Providers with a key configured; the others stay disabled. */
    providers: Partial<Record<LlmProviderName, { apiKey: string; baseUrl: string }>>;
    autonomousProviderOrder: string[];
    /** Order in which model "auto" tries providers (LLM_PROVIDER_ORDER). */
    providerOrder: LlmProviderName[];
    firstTokenTimeoutMs: number;
    streamIdleTimeoutMs: number;
    offlineTokenDelayMs: number;
  };
  /** The provider moderation endpoint, when MODERATION_PROVIDER_URL is set. */
  moderation: {
    provider?: { baseUrl: string; apiKey?: string; model: string };
    /** Images go to the provider too (MODERATION_IMAGES, with a provider only). */
    images: boolean;
    timeoutMs: number;
  };
  /**
   * The embeddings endpoint re-ranking recall, when EMBEDDINGS_BASE_URL and EMBEDDINGS_MODEL
   * are both set; unset: recall by full text alone.
   */
  embeddings?: { baseUrl: string; apiKey?: string; model: string; timeoutMs: number };
  mail: {
    from: string;
    resend?: { apiKey: string; apiUrl: string };
    smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string };
  };
}

/**
 * Outside production a missing JWT_SECRET is generated once and kept under the data
 * directory, so tokens survive restarts without anyone having to invent a secret. Production
 * needs one, and not a placeholder.
 */
function resolveJwtSecret(env: Environment, dataDir: string): string {
  if (env.JWT_SECRET) {
    // The placeholders of docker-compose.yml and the docs are public: tokens signed with one
    // could be forged by anyone.
    if (env.NODE_ENV === 'production' && /change-?me/i.test(env.JWT_SECRET)) {
      throw new ConfigError(
        'Invalid environment: JWT_SECRET is a placeholder; set a random secret (openssl rand -base64 48)',
      );
    }
    return env.JWT_SECRET;
  }
  if (env.NODE_ENV === 'production') {
    throw new ConfigError('Invalid environment: JWT_SECRET is required when NODE_ENV=production');
  }
  const file = join(dataDir, 'jwt-secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // First start: fall through and create it.
  }
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

const splitList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function providerList(variable: string, value: string): LlmProviderName[] {
  const names = splitList(value);
  const unknown = names.find((name) => !(LLM_PROVIDER_NAMES as readonly string[]).includes(name));
  if (unknown) {
    throw new ConfigError(
      `Invalid environment: ${variable} names an unknown provider "${unknown}" ` +
        `(known: ${LLM_PROVIDER_NAMES.join(', ')})`,
    );
  }
  return names as LlmProviderName[];
}

function trustProxy(raw: string): { value: TrustProxy; deprecation?: string } {
  const parsed = parseTrustProxy(raw);
  if (!parsed) {
    throw new ConfigError(
      `Invalid environment: TRUST_PROXY "${raw}" must be false, a number of proxies (1, 2, …) ` +
        'or a comma-separated list of proxy addresses, CIDRs or loopback/linklocal/uniquelocal',
    );
  }
  return parsed;
}

export function loadConfiguration(
  raw: Record<string, string | undefined> = process.env,
): AppConfig {
  const env = validateEnvironment(raw);
  const dataDir = resolve(env.DATA_DIR);
  const proxy = trustProxy(env.TRUST_PROXY);
  const production = env.NODE_ENV === 'production';
  // The default points at a developer's machine: in production every mailed link, canonical
  // URL and sitemap entry would lead there while the site itself still seems to work.
  if (production && !raw.FRONTEND_URL?.trim()) {
    throw new ConfigError(
      "Invalid environment: FRONTEND_URL is required when NODE_ENV=production (the site's public address)",
    );
  }
  const warnings = proxy.deprecation ? [proxy.deprecation] : [];
  if (production && !env.DATABASE_URL) {
    warnings.push(
      `DATABASE_URL is unset in production: the embedded PostgreSQL keeps its data in ${dataDir}, ` +
        'which must be a persistent volume, and cannot be shared by several instances',
    );
  }
  if (env.MODERATION_IMAGES && !env.MODERATION_PROVIDER_URL) {
    warnings.push(
      'MODERATION_IMAGES is set without MODERATION_PROVIDER_URL: no image classifier, every image passes',
    );
  }
  if (Boolean(env.EMBEDDINGS_BASE_URL) !== Boolean(env.EMBEDDINGS_MODEL)) {
    warnings.push(
      `${env.EMBEDDINGS_BASE_URL ? 'EMBEDDINGS_MODEL' : 'EMBEDDINGS_BASE_URL'} is unset while ` +
        `${env.EMBEDDINGS_BASE_URL ? 'EMBEDDINGS_BASE_URL' : 'EMBEDDINGS_MODEL'} is set: ` +
        'recall uses full text alone',
    );
  }
  return {
    env: env.NODE_ENV,
    warnings,
    http: {
      port: env.PORT,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      sendIdleTimeoutMs: env.HTTP_SEND_IDLE_TIMEOUT_MS,
      corsOrigins: env.CORS_ORIGINS ? splitList(env.CORS_ORIGINS) : [env.FRONTEND_URL],
      trustProxy: proxy.value,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    log: {
      level: env.LOG_LEVEL,
      format: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'text'),
      errorDigestIntervalMs: env.ERROR_DIGEST_INTERVAL_MS,
    },
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DB_POOL_SIZE,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      embeddedPort: env.EMBEDDED_PG_PORT,
    },
    jobs: { pollIntervalMs: env.JOBS_POLL_INTERVAL_MS, lockMs: env.JOBS_LOCK_MS },
    settings: { cacheTtlMs: env.SETTINGS_CACHE_TTL_MS },
    catalogueCache: {
      ttlMs: env.CATALOGUE_CACHE_TTL_MS,
      maxBytes: env.CATALOGUE_CACHE_MAX_MB * 1024 * 1024,
    },
    autonomous: {
      // Off by default under test, so other suites never see scheduled jobs fire.
      enabled: env.AUTONOMOUS_ENABLED ?? env.NODE_ENV !== 'test',
      startupDelayMs: env.AUTONOMOUS_STARTUP_DELAY_MS,
      checkIntervalMs: env.AUTONOMOUS_CHECK_INTERVAL_MS,
      imageModel: env.AUTONOMOUS_IMAGE_MODEL,
    },
    chat: {
      summaryProviderOrder: providerList('SUMMARY_PROVIDER_ORDER', env.SUMMARY_PROVIDER_ORDER),
      memoryProviderOrder: providerList('MEMORY_PROVIDER_ORDER', env.MEMORY_PROVIDER_ORDER),
      memoryExtractDelayMs: env.MEMORY_EXTRACT_DELAY_MS,
      followersPerChat: env.SSE_FOLLOWERS_PER_CHAT,
      followersPerCaller: env.SSE_FOLLOWERS_PER_CALLER,
      exportConcurrency: env.CHAT_EXPORT_CONCURRENCY,
    },
    storage: { avatarDir: resolve(env.AVATAR_DIR ?? join(dataDir, 'avatars')) },
    cards: { exportConcurrency: env.CARD_EXPORT_CONCURRENCY },
    // Off by default under test, so other suites start with an empty catalogue.
    starters: { seed: env.SEED_STARTER_CHARACTERS ?? env.NODE_ENV !== 'test' },
    dataDir,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    auth: {
      jwtSecret: resolveJwtSecret(env, dataDir),
      jwtExpiresIn: env.JWT_EXPIRES_IN,
      adminEmails: splitList(env.ADMIN_EMAILS).map((email) => email.toLowerCase()),
      botDelayMs: env.AUTH_BOT_DELAY_MS,
      rateLimitScale: env.RATE_LIMIT_SCALE,
      tokenUsageFlushMs: env.TOKEN_USAGE_FLUSH_MS,
    },
    frontendUrl: env.FRONTEND_URL,
    site: { name: env.SITE_NAME, mode: env.SITE_MODE },
    google: {
      clientId: env.GOOGLE_CLIENT_ID,
      clientSecret: env.GOOGLE_CLIENT_SECRET,
      callbackUrl: env.GOOGLE_CALLBACK_URL,
      authUrl: env.GOOGLE_AUTH_URL,
      tokenUrl: env.GOOGLE_TOKEN_URL,
      userInfoUrl: env.GOOGLE_USERINFO_URL,
    },
    llm: {
      providers: Object.fromEntries(
        LLM_PROVIDER_NAMES.flatMap((name) => {
          const prefix = name.toUpperCase() as Uppercase<LlmProviderName>;
          const apiKey = env[`${prefix}_API_KEY`];
          return apiKey ? [[name, { apiKey, baseUrl: env[`${prefix}_BASE_URL`] }]] : [];
        }),
      ),
      autonomousProviderOrder: splitList(env.AUTONOMOUS_PROVIDER_ORDER),
      providerOrder: providerList('LLM_PROVIDER_ORDER', env.LLM_PROVIDER_ORDER),
      firstTokenTimeoutMs: env.LLM_FIRST_TOKEN_TIMEOUT_MS,
      streamIdleTimeoutMs: env.LLM_STREAM_IDLE_TIMEOUT_MS,
      offlineTokenDelayMs: env.OFFLINE_LLM_TOKEN_DELAY_MS,
    },
    moderation: {
      provider: env.MODERATION_PROVIDER_URL
        ? {
            baseUrl: env.MODERATION_PROVIDER_URL,
            apiKey: env.MODERATION_API_KEY,
            model: env.MODERATION_MODEL,
          }
        : undefined,
      images: env.MODERATION_IMAGES && !!env.MODERATION_PROVIDER_URL,
      timeoutMs: env.MODERATION_TIMEOUT_MS,
    },
    embeddings:
      env.EMBEDDINGS_BASE_URL && env.EMBEDDINGS_MODEL
        ? {
            baseUrl: env.EMBEDDINGS_BASE_URL,
            apiKey: env.EMBEDDINGS_API_KEY,
            model: env.EMBEDDINGS_MODEL,
            timeoutMs: env.EMBEDDINGS_TIMEOUT_MS,
          }
        : undefined,
    mail: {
      from: env.MAIL_FROM,
      resend: env.RESEND_API_KEY
        ? { apiKey: env.RESEND_API_KEY, apiUrl: env.RESEND_API_URL }
        : undefined,
      smtp: env.SMTP_HOST
        ? {
            host: env.SMTP_HOST,
            port: env.SMTP_PORT,
            secure: env.SMTP_SECURE,
            user: env.SMTP_USER,
            password: env.SMTP_PASSWORD,
          }
        : undefined,
    },
  };
}

export { ConfigError };
