import { Injectable } from '@nestjs/common';
import type { Tiktoken } from 'js-tiktoken/lite';
import type { ChatMessage } from '../llm.types.js';

// Chat-format overhead per message and per reply, as in OpenAI's counting guide.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/**
 * Token counts for when a provider reports no usage (providers are always asked for it with
 * `stream_options.include_usage`; the offline provider and a few upstreams never send it).
 *
 * Uses js-tiktoken (pure JS, no native build) with o200k_base, the GPT-4o/GPT-5 encoding: exact
 * for OpenAI models and within roughly 10-20% for Llama, Qwen or DeepSeek tokenizers, which is
 * good enough for quotas. Its rank table costs ~0.8 s of CPU to load, so it is loaded on first
 * use rather than at start-up.
 */
@Injectable()
export class TokenEstimator {
  private encoder?: Promise<Tiktoken>;

  async count(text: string): Promise<number> {
    return text ? (await this.load()).encode(text).length : 0;
  }

  async countMessages(messages: readonly ChatMessage[]): Promise<number> {
    const encoder = await this.load();
    return messages.reduce(
      (total, message) => total + TOKENS_PER_MESSAGE + encoder.encode(message.content).length,
      TOKENS_PER_REPLY,
    );
  }

  private load(): Promise<Tiktoken> {
    this.encoder ??= Promise.all([
      import('js-tiktoken/lite'),
      import('js-tiktoken/ranks/o200k_base'),
    ]).then(([{ Tiktoken }, ranks]) => new Tiktoken(ranks.default));
    return this.encoder;
  }
}
