import type { ChatMessage } from '../llm.types.js';
import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { systemIntoFirstUser } from './system-messages.js';

/** OpenRouter's free models (eight, see the registry). */
export class OpenRouterProvider extends OpenAiCompatibleProvider {
  readonly name = 'openrouter';
  protected readonly defaultModel = 'deepseek/deepseek-chat-v3-0324:free';
  protected override readonly acceptsTopK = true;

  /** Only the free models: the only ones this platform uses OpenRouter for. */
  override async listUpstreamModels(): Promise<string[]> {
    return (await super.listUpstreamModels()).filter((id) => id.endsWith(':free'));
  }

  // Google's models keep only one system message, DeepSeek's template gathers them at the
  // top, and Gemma has none.
  protected override readsSystemOnlyFirst(model: string): boolean {
    return /gemma|gemini|deepseek/i.test(model);
  }

  // Gemma has no system role (its hosts reject one), so the system prompt leads the first
  // user message instead; what is read last stays in the last one.
  protected override shapeMessages(messages: ChatMessage[], model: string): ChatMessage[] {
    const folded = super.shapeMessages(messages, model);
    return /gemma/i.test(model) ? systemIntoFirstUser(folded) : folded;
  }
}
