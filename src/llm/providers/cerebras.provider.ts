import { type ChatRequestBody, OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** Cerebras' free tier (three models). */
export class CerebrasProvider extends OpenAiCompatibleProvider {
  readonly name = 'cerebras';
  protected readonly defaultModel = 'llama-3.3-70b';
  protected override readonly retriesGarbledReplies = true;

  // The API rejects both penalties with HTTP 400.
  protected override shapeRequest({
    frequency_penalty: _frequency,
    presence_penalty: _presence,
    ...body
  }: ChatRequestBody): ChatRequestBody {
    return body;
  }
}
