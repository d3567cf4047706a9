import type { ChatMessage } from '../llm.types.js';
import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** OpenRouter's free models (eight, see the registry). */
export class OpenRouterProvider extends OpenAiCompatibleProvider {
  readonly name = 'openrouter';
  protected readonly defaultModel = 'deepseek/deepseek-chat-v3-0324:free';
  protected override readonly acceptsTopK = true;

  /** Only the free models: the only ones this platform uses OpenRouter for. */
  override async listUpstreamModels(): Promise<string[]> {
    return (await super.listUpstreamModels()).filter((id) => id.endsWith(':free'));
  }

  // Gemma has no system role (its hosts reject one), so the system prompt leads the first
  // user message instead.
  protected override shapeMessages(messages: ChatMessage[], model: string): ChatMessage[] {
    if (!/gemma/i.test(model)) return messages;
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const rest = messages.filter((message) => message.role !== 'system');
    if (!system) return rest;
    const firstUser = rest.findIndex((message) => message.role === 'user');
    if (firstUser === -1) return [{ role: 'user', content: system }, ...rest];
    return rest.map((message, index) =>
      index === firstUser ? { role: 'user', content: `${system}\n\n${message.content}` } : message,
    );
  }
}
