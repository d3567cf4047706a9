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

  @Transform(toBoolean)
  @IsBoolean()
  TRUST_PROXY = false;

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

  @IsString()
  ADMIN_EMAILS = '';

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
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  // Unknown variables are ignored: the process environment holds far more than ours.
  const errors = validateSync(env, { forbidUnknownValues: false, stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigError(`Invalid environment: ${firstMessage(errors[0])}`);
  }
  return env;
}
