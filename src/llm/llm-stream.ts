import {
  type AttemptFailure,
  failureOf,
  LlmRequestFailedError,
  ProviderUnavailableError,
  UpstreamError,
} from './llm.errors.js';
import type { LlmResult, LlmStreamEvent } from './llm.types.js';

/** The attempts an upstream failure stands for; undefined for anything else (a bug). */
export const failuresOf = (error: unknown): AttemptFailure[] | undefined => {
  if (error instanceof LlmRequestFailedError) return error.failures;
  if (error instanceof UpstreamError) return [failureOf(error)];
  if (error instanceof ProviderUnavailableError && error.provider !== 'auto') {
    return [{ provider: error.provider, model: '*', kind: 'unavailable', message: error.message }];
  }
  return undefined;
};

/**
 * Streams the first candidate that produces a token. `candidates` is resolved on the first
 * `next()` (so lookups and their errors happen at iteration, like everything else here). A
 * candidate failing before its first delta is handed to `onFailure` (which returns false to
 * stop trying the rest) and the next one starts; once a delta has reached the caller, a failure
 * ends the stream — never a reply stitched from two models. A caller's abort ends everything
 * with `signal.reason`; errors that are not upstream failures (bugs) propagate untouched.
 * `onFallback` hears of each candidate started after a failure, with the last failed attempt.
 */
export async function* streamWithFallback(
  candidates: () => Promise<Array<() => AsyncIterable<LlmStreamEvent>>>,
  onFailure: (error: unknown) => Promise<boolean>,
  signal?: AbortSignal,
  onFallback?: (from: AttemptFailure) => void,
): AsyncGenerator<LlmStreamEvent> {
  const failures: AttemptFailure[] = [];
  for (const start of await candidates()) {
    if (failures.length > 0) onFallback?.(failures.at(-1)!);
    let started = false;
    try {
      for await (const event of start()) {
        started ||= event.type === 'delta';
        yield event;
      }
      return;
    } catch (error) {
      signal?.throwIfAborted();
      const failed = failuresOf(error);
      if (!failed) throw error;
      failures.push(...failed);
      const tryNext = await onFailure(error);
      if (started) {
        throw error instanceof LlmRequestFailedError
          ? error
          : new LlmRequestFailedError(failures, true);
      }
      if (!tryNext) break;
    }
  }
  throw new LlmRequestFailedError(failures);
}

/** For logs: what failed, attempt by attempt. */
export const describeFailure = (error: unknown): string =>
  failuresOf(error)
    ?.map((failure) => `${failure.provider}/${failure.model}: ${failure.kind} (${failure.message})`)
    .join('; ') ?? String(error);

/** An iterable that fails on its first `next()`, like a stream whose start failed. */
// eslint-disable-next-line require-yield
export async function* failedStream(error: Error): AsyncGenerator<LlmStreamEvent> {
  throw error;
}

/** Runs a stream to its end and returns the whole reply with its usage. */
export async function collectStream(events: AsyncIterable<LlmStreamEvent>): Promise<LlmResult> {
  let content = '';
  for await (const event of events) {
    if (event.type === 'delta') content += event.text;
    else {
      const { promptTokens, completionTokens, provider, model } = event;
      return { content, promptTokens, completionTokens, provider, model };
    }
  }
  throw new Error('LLM stream ended without usage');
}
