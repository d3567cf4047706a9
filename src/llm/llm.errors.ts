import { ServiceUnavailableException } from '@nestjs/common';
import type { ProviderName } from './llm.types.js';

/**
 * Why one upstream attempt failed. Every kind falls back to the next model when no token has
 * reached the caller yet; they differ in what is remembered:
 * - balance: the whole provider is blocked (HTTP 402 or an insufficient-balance error)
 * - rejected: our request was refused as invalid (HTTP 400/422) — not the model's fault, so
 *   no cooldown
 * - every other kind puts the model on cooldown
 */
export type FailureKind =
  | 'balance'
  | 'rate_limit'
  | 'server'
  | 'refused'
  | 'rejected'
  | 'timeout'
  | 'connection'
  | 'empty'
  /** The provider was not usable at all (blocked, disabled, every model cooling down). */
  | 'unavailable';

/** One failed attempt at one model (internal; callers of LlmService see LlmRequestFailedError). */
export class UpstreamError extends Error {
  override name = 'UpstreamError';

  constructor(
    readonly provider: ProviderName,
    readonly model: string,
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const BALANCE_PATTERN =
  /insufficient[ _-]?(balance|quota|funds|credits?)|credit balance|out of credits|no balance|payment required/i;

/**
 * Classifies whatever the openai SDK threw. Duck-typed on `status`/`code`/`type`: under Jest's
 * VM realm `instanceof` against the SDK's error classes is unreliable.
 */
export function toUpstreamError(
  provider: ProviderName,
  model: string,
  error: unknown,
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const { status, code, type, message } = error as {
    status?: unknown;
    code?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const text = typeof message === 'string' ? message : String(error);
  const httpStatus = typeof status === 'number' ? status : undefined;
  // Providers echo the requested model in their errors ("The model `…` does not exist"), and
  // a caller may name any model: "insufficient_balance" must not block a provider for all.
  const ownWords = model ? text.split(model).join(' ') : text;
  // OpenAI reports an exhausted quota as 429 `insufficient_quota`, most others as 402.
  const balance =
    httpStatus === 402 || BALANCE_PATTERN.test(`${String(code)} ${String(type)} ${ownWords}`);
  const kind: FailureKind = balance
    ? 'balance'
    : httpStatus === undefined
      ? 'connection'
      : httpStatus === 429
        ? 'rate_limit'
        : httpStatus >= 500
          ? 'server'
          : httpStatus === 400 || httpStatus === 422
            ? 'rejected'
            : 'refused';
  return new UpstreamError(provider, model, kind, text, httpStatus);
}

export interface AttemptFailure {
  provider: ProviderName;
  model: string;
  kind: FailureKind;
  message: string;
}

export type UnavailableReason = 'not_configured' | 'disabled' | 'blocked' | 'none_available';

const UNAVAILABLE_MESSAGES: Record<UnavailableReason, (provider: string) => string> = {
  not_configured: (provider) => `The ${provider} provider is not configured`,
  disabled: (provider) => `The ${provider} provider is disabled by an administrator`,
  blocked: (provider) => `The ${provider} provider is blocked after a billing error`,
  none_available: () => 'No language model provider is available right now',
};

/** A provider was asked for by name (or `auto` found none) and may not be used now: 503. */
export class ProviderUnavailableError extends ServiceUnavailableException {
  constructor(
    readonly provider: ProviderName | 'auto',
    readonly reason: UnavailableReason,
  ) {
    super(UNAVAILABLE_MESSAGES[reason](provider));
  }
}

/**
 * Every candidate failed before its first token, or the one that started failed mid-stream
 * (`afterFirstToken`: the caller already holds part of a reply and must discard it). 503, with
 * the attempts kept for logs and admins; the message itself names no provider.
 */
export class LlmRequestFailedError extends ServiceUnavailableException {
  constructor(
    readonly failures: AttemptFailure[],
    readonly afterFirstToken = false,
  ) {
    super(
      afterFirstToken
        ? 'The language model stopped in the middle of its reply, please retry'
        : 'The language model did not answer, please retry shortly',
    );
  }
}

export const failureOf = (error: UpstreamError): AttemptFailure => ({
  provider: error.provider,
  model: error.model,
  kind: error.kind,
  message: error.message,
});

/**
 * The day's budget of background LLM tokens (setting `background_llm_daily_tokens`) is spent:
 * work besides chat replies waits for the next UTC day, `resumesAt`. 503 where a user asked.
 */
export class BackgroundBudgetSpentError extends ServiceUnavailableException {
  constructor(readonly resumesAt: Date) {
    super(
      `The platform's daily budget for background AI work is spent; it resumes at ` +
        `${resumesAt.toISOString()}`,
    );
  }
}
