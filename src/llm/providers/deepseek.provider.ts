import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/**
 * DeepSeek's own API. `deepseek-reasoner` streams its thinking as `reasoning_content`, which the
 * base class counts as a sign of life (first-token timeout) but never forwards; it ignores the
 * sampling parameters rather than rejecting them, so the body stays the standard one.
 */
export class DeepSeekProvider extends OpenAiCompatibleProvider {
  readonly name = 'deepseek';
  protected readonly defaultModel = 'deepseek-chat';

  // DeepSeek's chat template gathers every system message at the top.
  protected override readsSystemOnlyFirst(): boolean {
    return true;
  }
}
