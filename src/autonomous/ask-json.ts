import { Logger } from '@nestjs/common';
import { extractJsonObject } from '../characters/llm-json.js';
import type { LlmService } from '../llm/llm.service.js';
import type { ChatMessage, GenerationConfig } from '../llm/llm.types.js';

/** A check's verdict on one reply: the value, or what is wrong with it (told to the model). */
export type Checked<T> = { value: T } | { problems: string };

export type Asked<T> = { value: T; model: string } | { problems: string };

const logger = new Logger('AutonomousLlm');

/**
 * Asks for a JSON object through `providerOrder` (by default the autonomous order: paid first,
 * free fallback) and checks it; an invalid reply is answered with its problems and asked once
 * more, since models usually fix what they are told. Upstream failures propagate; invalid
 * output does not.
 */
export async function askForJson<T>(
  llm: LlmService,
  messages: ChatMessage[],
  check: (json: Record<string, unknown>) => Checked<T> | Promise<Checked<T>>,
  config: GenerationConfig,
  { attempts = 2, providerOrder }: { attempts?: number; providerOrder?: readonly string[] } = {},
): Promise<Asked<T>> {
  const conversation = [...messages];
  let problems = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const reply = await llm.generateWithFallback(conversation, config, providerOrder);
    const json = extractJsonObject(reply.content);
    const verdict: Checked<T> = json
      ? await check(json)
      : { problems: 'the reply contains no JSON object' };
    if ('value' in verdict) return { value: verdict.value, model: reply.model };
    problems = verdict.problems;
    logger.warn(`Attempt ${attempt} by ${reply.provider}/${reply.model} was invalid: ${problems}`);
    conversation.push(
      { role: 'assistant', content: reply.content },
      {
        role: 'user',
        content: `That is not valid: ${problems}. Answer again with the corrected JSON object only.`,
      },
    );
  }
  return { problems };
}
