import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

// Validators run bottom-up: the type check sits nearest the property so it is reported first.

/** Turns '', 'true', '1', 'yes', 'on' and their opposites into booleans; anything else stays as is so validation names it. */
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off', ''].includes(normalized)) return false;
  return value;
};

/** Empty strings mean "not set", as in most .env files. */
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

const toInt = ({ value }: { value: unknown }) => {
  if (value === '' || value === undefined) return undefined;
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
};

/**
 * Every environment variable the process reads. Validated once at start-up: the first
 * problem stops the process with one line naming the variable. Keep `.env.example` and the
 * README's configuration table in step with this class.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, {
    message: 'must be a postgres:// or postgresql:// URL',
  })
  DATABASE_URL?: string;

  @Transform(toInt)
  @Min(1)
  @Max(200)
  @IsInt()
  DB_POOL_SIZE = 10;

  @Transform(toInt)
  @Min(100)
  @Max(600000)
  @IsInt()
  DB_STATEMENT_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @Min(1024)
  @Max(65535)
  @IsInt()
  EMBEDDED_PG_PORT = 54329;

  @MinLength(1)
  @IsString()
  DATA_DIR = '.data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  @IsString()
  JWT_SECRET?: string;

  @Matches(/^\d+[smhd]?$/, { message: 'must be a duration such as 3600, 15m, 12h or 7d' })
  JWT_EXPIRES_IN = '7d';

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.replace(/\/+$/, '') : value,
  )
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  FRONTEND_URL = 'http://localhost:5173';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Namespaces this deployment's keys when several apps share one Redis. */
  @Matches(/^[\w:.-]{0,64}$/, { message: 'must be at most 64 letters, digits or _ : . -' })
  REDIS_KEY_PREFIX = 'app:';

  /** false, a number of proxies or their addresses: checked by parseTrustProxy. */
  @IsString()
  TRUST_PROXY = 'false';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['json', 'text'])
  LOG_FORMAT?: 'json' | 'text';

  @Transform(toInt)
  @Min(0)
  @Max(600000)
  @IsInt()
  SHUTDOWN_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @Min(1024)
  @Max(100 * 1024 * 1024)
  @IsInt()
  BODY_LIMIT_BYTES = 1024 * 1024;

  /**
   * A response whose client takes none of the bytes waiting for it for this long is cut
   * (a slow or stalled reader would hold them in memory); 0 turns the check off.
   */
  @Transform(toInt)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  HTTP_SEND_IDLE_TIMEOUT_MS = 30_000;

  /** Streams re-attached to one chat's reply (GET /api/chats/{id}/stream) at once, per instance. */
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  SSE_FOLLOWERS_PER_CHAT = 5;

  /** Re-attached streams one user or guest session may hold open at once, per instance. */
  @Transform(toInt)
  @Min(1)
  @Max(10000)
  @IsInt()
  SSE_FOLLOWERS_PER_CALLER = 20;

  /** Where uploaded avatars are stored; defaults to DATA_DIR/avatars. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AVATAR_DIR?: string;

  /** Card exports one instance writes at a time; more answer 503 with Retry-After. */
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  CARD_EXPORT_CONCURRENCY = 8;

  /**
   * Chat files (GET /api/chats/{id}/export) one instance writes at once; each holds a pooled
   * database connection while its client reads. More answer 503 with Retry-After.
   */
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  CHAT_EXPORT_CONCURRENCY = 4;

  /**
   * How long each instance holds the tokens users spend before adding them to their counters
   * in one statement; 0 writes each reply's at once.
   */
  @Transform(toInt)
  @Min(0)
  @Max(60_000)
  @IsInt()
  TOKEN_USAGE_FLUSH_MS = 1000;

  /** How often each instance looks for due background jobs; 0 turns the poller off. */
  @Transform(toInt)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  JOBS_POLL_INTERVAL_MS = 1000;

  /**
   * How long a running job's lock lasts; its worker renews it while it works, so only a job
   * whose worker died is taken up again by another one, once this has passed.
   */
  @Transform(toInt)
  @Min(1000)
  @Max(3_600_000)
  @IsInt()
  JOBS_LOCK_MS = 300_000;

  /** How long each instance trusts its copy of the admin settings; 0 reads them every time. */
  @Transform(toInt)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  SETTINGS_CACHE_TTL_MS = 60_000;

  /**
   * How long each instance keeps an anonymous catalogue page, search or SEO page: counters
   * (chats, votes, likes) may lag this long; visibility changes invalidate at once. 0 = off.
   */
  @Transform(toInt)
  @Min(0)
  @Max(600_000)
  @IsInt()
  CATALOGUE_CACHE_TTL_MS = 5_000;

  /** Memory the anonymous catalogue cache may hold per instance, in MiB (least recent go first). */
  @Transform(toInt)
  @Min(1)
  @Max(4096)
  @IsInt()
  CATALOGUE_CACHE_MAX_MB = 32;

  @IsString()
  ADMIN_EMAILS = '';

  /** Register and login requests sending neither Accept-Language nor Referer wait this long. */
  @Transform(toInt)
  @Min(0)
  @Max(60000)
  @IsInt()
  AUTH_BOT_DELAY_MS = 2000;

  /** Multiplies every rate limit (10/min becomes 10×N/min); 0 turns rate limiting off. */
  @Transform(toInt)
  @Min(0)
  @Max(10000)
  @IsInt()
  RATE_LIMIT_SCALE = 1;

  @MinLength(1)
  @MaxLength(60)
  @IsString()
  SITE_NAME = 'SweetSin';

  @IsIn(['default', 'fiction'])
  SITE_MODE: 'default' | 'fiction' = 'default';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  GOOGLE_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  GOOGLE_CLIENT_SECRET?: string;

  /** Where Google sends the browser back; defaults to this API's own callback route. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  GOOGLE_CALLBACK_URL?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  GOOGLE_AUTH_URL = 'https://accounts.google.com/o/oauth2/v2/auth';

  @IsUrl({ require_tld: false, require_protocol: true })
  GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

  @IsUrl({ require_tld: false, require_protocol: true })
  GOOGLE_USERINFO_URL = 'https://openidconnect.googleapis.com/v1/userinfo';

  @IsString()
  AUTONOMOUS_PROVIDER_ORDER = 'openai,gemini,deepseek,together,groq,cerebras,openrouter';

  /** The scheduler of daily/weekly jobs; unset: on, except under NODE_ENV=test. */
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : toBoolean({ value })))
  @IsOptional()
  @IsBoolean()
  AUTONOMOUS_ENABLED?: boolean;

  /** Starter characters on an empty catalogue at start-up; unset: on, except under NODE_ENV=test. */
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : toBoolean({ value })))
  @IsOptional()
  @IsBoolean()
  SEED_STARTER_CHARACTERS?: boolean;

  /** The first look for due jobs happens this long after start-up. */
  @Transform(toInt)
  @Min(0)
  @Max(86_400_000)
  @IsInt()
  AUTONOMOUS_STARTUP_DELAY_MS = 300_000;

  /** How often each instance looks for due jobs. */
  @Transform(toInt)
  @Min(1000)
  @Max(86_400_000)
  @IsInt()
  AUTONOMOUS_CHECK_INTERVAL_MS = 3_600_000;

  /** OpenAI image model for avatars of generated characters (needs OPENAI_API_KEY). */
  @MinLength(1)
  @IsString()
  AUTONOMOUS_IMAGE_MODEL = 'dall-e-3';

  /** How often error-level log records are mailed to ADMIN_EMAILS as one digest. */
  @Transform(toInt)
  @Min(100)
  @Max(86_400_000)
  @IsInt()
  ERROR_DIGEST_INTERVAL_MS = 300_000;

  /** Providers the chat summarizer tries, in this order (unknown names stop the process). */
  @IsString()
  SUMMARY_PROVIDER_ORDER = 'groq,cerebras,openrouter';

  /**
   * Providers the character-memory extractor tries, in this order (unknown names stop the
   * process); none configured: LLM_PROVIDER_ORDER, as for summaries.
   */
  @IsString()
  MEMORY_PROVIDER_ORDER = 'groq,cerebras,openrouter';

  /**
   * How long after a reply a chat's memory extraction waits: the rounds of that time share one
   * extraction (one cheap call per chat and minute of play instead of one per reply).
   */
  @Transform(toInt)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  MEMORY_EXTRACT_DELAY_MS = 60_000;

  /** Providers that model "auto" tries, in this order (unknown names stop the process). */
  @IsString()
  LLM_PROVIDER_ORDER = 'openai,anthropic,gemini,deepseek,qwen,together,groq,cerebras,openrouter';

  /** A model that sends nothing for this long after the request is abandoned for the next one. */
  @Transform(toInt)
  @Min(10)
  @Max(600000)
  @IsInt()
  LLM_FIRST_TOKEN_TIMEOUT_MS = 30000;

  /** A stream silent this long after its first token fails (noticed within twice that). */
  @Transform(toInt)
  @Min(10)
  @Max(600000)
  @IsInt()
  LLM_STREAM_IDLE_TIMEOUT_MS = 30000;

  /** Pause between the offline provider's tokens, so its replies stream like a real model's. */
  @Transform(toInt)
  @Min(0)
  @Max(10000)
  @IsInt()
  OFFLINE_LLM_TOKEN_DELAY_MS = 30;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OPENAI_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  OPENAI_BASE_URL = 'https://api.openai.com/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ANTHROPIC_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  GEMINI_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta/openai';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  DEEPSEEK_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  DEEPSEEK_BASE_URL = 'https://api.deepseek.com/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  QWEN_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  QWEN_BASE_URL = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  TOGETHER_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  TOGETHER_BASE_URL = 'https://api.together.xyz/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  GROQ_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  GROQ_BASE_URL = 'https://api.groq.com/openai/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CEREBRAS_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  CEREBRAS_BASE_URL = 'https://api.cerebras.ai/v1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OPENROUTER_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

  /**
   * An OpenAI-compatible moderation endpoint's base URL (`…/v1`, where `/moderations` is):
   * set, it is asked besides the built-in rules. Unset: the rules alone.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  MODERATION_PROVIDER_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MODERATION_API_KEY?: string;

  @MinLength(1)
  @IsString()
  MODERATION_MODEL = 'omni-moderation-latest';

  /**
   * Avatars (uploaded, imported with a card, generated) are sent to the provider endpoint too,
   * as images: only models that read images (OpenAI's omni-moderation) can answer them.
   * Without a provider URL it does nothing: no image classifier ships, every image passes.
   */
  @Transform(toBoolean)
  @IsBoolean()
  MODERATION_IMAGES = false;

  /** A moderation request taking longer is given up (the rules still apply). */
  @Transform(toInt)
  @Min(50)
  @Max(60000)
  @IsInt()
  MODERATION_TIMEOUT_MS = 2000;

  /**
   * An OpenAI-compatible embeddings endpoint's base URL (`…/v1`, where `/embeddings` is): set
   * with EMBEDDINGS_MODEL, stored message embeddings re-rank recall's full-text candidates.
   * Unset (or no model): full text alone.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  EMBEDDINGS_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  EMBEDDINGS_API_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MaxLength(200)
  @IsString()
  EMBEDDINGS_MODEL?: string;

  /** Embedding the newest turn for recall taking longer is given up (full-text order). */
  @Transform(toInt)
  @Min(50)
  @Max(60000)
  @IsInt()
  EMBEDDINGS_TIMEOUT_MS = 2000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  RESEND_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  RESEND_API_URL = 'https://api.resend.com';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SMTP_HOST?: string;

  @Transform(toInt)
  @Min(1)
  @Max(65535)
  @IsInt()
  SMTP_PORT = 587;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SMTP_USER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SMTP_PASSWORD?: string;

  @Transform(toBoolean)
  @IsBoolean()
  SMTP_SECURE = false;

  @IsEmail({ allow_display_name: true })
  MAIL_FROM = 'SweetSin <no-reply@localhost.localdomain>';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function firstMessage(error: ValidationError): string {
  const constraint = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  // class-validator prefixes most messages with the property name already.
  return constraint.startsWith(error.property) ? constraint : `${error.property} ${constraint}`;
}

export function validateEnvironment(raw: Record<string, string | undefined>): Environment {
  // An empty value means "not set" for every variable, as `VAR=` in .env files and Compose's
  // `${VAR:-}` pass-through write it, so the default applies instead of a validation error.
  const set = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const env = plainToInstance(Environment, set, { exposeDefaultValues: true });
  // Unknown variables are ignored: the process environment holds far more than ours.
  const errors = validateSync(env, { forbidUnknownValues: false, stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigError(`Invalid environment: ${firstMessage(errors[0])}`);
  }
  return env;
}
