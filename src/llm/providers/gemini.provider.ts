import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** Google's OpenAI-compatible Gemini endpoint; it takes the standard body as is. */
export class GeminiProvider extends OpenAiCompatibleProvider {
  readonly name = 'gemini';
  protected readonly defaultModel = 'gemini-2.5-flash';
}
