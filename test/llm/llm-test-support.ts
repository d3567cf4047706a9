import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import type { LlmProviderName } from '../../src/config/configuration.js';
import { Clock } from '../../src/llm/clock.js';
import type { LlmStreamEvent } from '../../src/llm/llm.types.js';
import type { RecordedRequest } from '../support/fake-llm.js';

/** Env vars pointing `names` at the fake upstream, each with its own key (`groq-key`, ...). */
export function providerEnv(
  baseURL: string,
  names: readonly LlmProviderName[],
): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => [
      [`${name.toUpperCase()}_API_KEY`, `${name}-key`],
      [`${name.toUpperCase()}_BASE_URL`, baseURL],
    ]),
  );
}

/** Which configured provider sent a recorded request (from its key). */
export const providerOf = (request: RecordedRequest): string | undefined =>
  /^Bearer (\w+)-key$/.exec(request.headers.authorization ?? '')?.[1];

export interface Drained {
  text: string;
  deltas: string[];
  usage: Extract<LlmStreamEvent, { type: 'usage' }> | undefined;
}

export async function drain(stream: AsyncIterable<LlmStreamEvent>): Promise<Drained> {
  const deltas: string[] = [];
  let usage: Drained['usage'];
  for await (const event of stream) {
    if (event.type === 'delta') deltas.push(event.text);
    else usage = event;
  }
  return { text: deltas.join(''), deltas, usage };
}

/** Makes the app's Clock run `advance()`-able: cooldowns and blocks expire without waiting. */
export function controlClock(app: INestApplicationContext): { advance(ms: number): void } {
  let offset = 0;
  jest.spyOn(app.get(Clock), 'now').mockImplementation(() => Date.now() + offset);
  return {
    advance: (ms) => {
      offset += ms;
    },
  };
}

export const MINUTE = 60_000;

export const messages = [
  { role: 'system' as const, content: 'You are Luna, a witty innkeeper.' },
  { role: 'user' as const, content: 'Any rooms free tonight?' },
];

/**
 * Usage numbers no provider should report, as some have (issue #24 item 8): each must end up
 * estimated, never trusted, and never cost a reply.
 */
export const HOSTILE_USAGE: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['huge', { prompt_tokens: 1e308, completion_tokens: 2 ** 53 }],
  ['non-numeric', { prompt_tokens: 'abc', completion_tokens: { valueOf: 1, toString: 1 } }],
  ['negative and fractional', { prompt_tokens: -5, completion_tokens: 1.5 }],
  ['past the range', { prompt_tokens: 10_000_001, completion_tokens: null }],
];
