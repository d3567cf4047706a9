import { type ChatRequestBody, OpenAiCompatibleProvider } from './openai-compatible.provider.js';

export class OpenAiProvider extends OpenAiCompatibleProvider {
  readonly name = 'openai';
  protected readonly defaultModel = 'gpt-4.1-mini';

  // OpenAI deprecated max_tokens, and its reasoning models reject it.
  protected override shapeRequest({ max_tokens, ...body }: ChatRequestBody): ChatRequestBody {
    return { ...body, max_completion_tokens: max_tokens };
  }
}
