import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { ChatMessage } from '../../llm/llm.types.js';
import { TokenEstimator } from '../../llm/usage/token-estimator.js';
import { estimateTokens } from '../storytelling/lorebook.js';

/**
 * Token counts of what a prompt is built from, by the one tokenizer (TokenEstimator,
 * o200k_base). Texts a prompt carries build after build (the system prompt, the post-history,
 * messages from before token counts were stored) are counted once: by the text itself, bounded.
 */
@Injectable()
export class PromptTokens {
  private readonly counted = new LRUCache<string, number>({
    max: 2048,
    maxSize: 16 * 1024 * 1024,
    sizeCalculation: (_tokens, text) => Math.max(1, text.length),
  });

  constructor(private readonly tokenizer: TokenEstimator) {}

  /** Tokens of `text`, remembered. */
  async of(text: string): Promise<number> {
    if (!text) return 0;
    const known = this.counted.get(text);
    if (known !== undefined) return known;
    const tokens = await this.tokenizer.count(text);
    this.counted.set(text, tokens);
    return tokens;
  }

  /** Tokens of the messages' texts together. */
  async ofMessages(messages: readonly ChatMessage[]): Promise<number> {
    const counts = await Promise.all(messages.map((message) => this.of(message.content)));
    return counts.reduce((total, count) => total + count, 0);
  }

  /** Tokens of a text about to be stored with its count (not remembered here). */
  countNew(text: string): Promise<number> {
    return this.tokenizer.count(text);
  }

  /** The prompt size the messages stand for, when the provider reports no usage. */
  estimate(messages: readonly ChatMessage[]): number {
    return messages.reduce((total, message) => total + estimateTokens(message.content), 0);
  }
}
