import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** Groq's free tier (six models, see the registry). */
export class GroqProvider extends OpenAiCompatibleProvider {
  readonly name = 'groq';
  protected readonly defaultModel = 'llama-3.3-70b-versatile';
  protected override readonly retriesGarbledReplies = true;
}
