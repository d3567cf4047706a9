import { type ChatRequestBody, OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/**
 * Claude through Anthropic's OpenAI-compatible endpoint (`{ANTHROPIC_BASE_URL}/chat/completions`)
 * with the openai SDK, like every other provider: one code path, and the tests run against the
 * same fake upstream. What that mode lacks (prompt caching, extended-thinking budgets, citations)
 * this app does not use; needing it would be the reason to switch to @anthropic-ai/sdk here.
 */
export class AnthropicProvider extends OpenAiCompatibleProvider {
  readonly name = 'anthropic';
  protected readonly defaultModel = 'claude-sonnet-4-6';

  // The compatibility layer hoists every system message into Claude's one system prompt.
  protected override readsSystemOnlyFirst(): boolean {
    return true;
  }

  // Claude rejects temperature and top_p in one request; top_p, the more specific ask, wins.
  protected override shapeRequest(body: ChatRequestBody): ChatRequestBody {
    return body.top_p === undefined ? body : { ...body, temperature: undefined };
  }
}
