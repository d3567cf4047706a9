import { type ChatRequestBody, OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** Google's OpenAI-compatible Gemini endpoint. */
export class GeminiProvider extends OpenAiCompatibleProvider {
  readonly name = 'gemini';
  protected readonly defaultModel = 'gemini-2.5-flash';

  // The endpoint keeps only the last system message as Gemini's system instruction.
  protected override readsSystemOnlyFirst(): boolean {
    return true;
  }

  // Gemini 2.5 (and most models before it) refuse both penalties with HTTP 400 ("Penalty is
  // not enabled for models/…").
  protected override shapeRequest({
    frequency_penalty: _frequency,
    presence_penalty: _presence,
    ...body
  }: ChatRequestBody): ChatRequestBody {
    return body;
  }
}
