import { type ChatRequestBody, OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** Alibaba's DashScope (international) in its OpenAI-compatible mode. */
export class QwenProvider extends OpenAiCompatibleProvider {
  readonly name = 'qwen';
  protected readonly defaultModel = 'qwen3-32b';
  protected override readonly acceptsTopK = true;

  // Qwen3 models think before answering by default, spending the token budget on reasoning
  // nobody sees (and DashScope refuses non-streamed calls unless thinking is off).
  protected override shapeRequest(body: ChatRequestBody): ChatRequestBody {
    return { ...body, enable_thinking: false };
  }
}
