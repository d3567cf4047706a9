import { type ChatRequestBody, OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** Reasoning models (o1, o3, o4-mini, gpt-5 except its chat variants) take no sampling settings. */
const REASONING_MODEL = /^(o\d|gpt-5(?!.*chat))/;

export class OpenAiProvider extends OpenAiCompatibleProvider {
  readonly name = 'openai';
  protected readonly defaultModel = 'gpt-4.1-mini';

  // OpenAI deprecated max_tokens, and its reasoning models reject it; they also refuse
  // temperature, top_p and the penalties with HTTP 400.
  protected override shapeRequest(
    { max_tokens, ...body }: ChatRequestBody,
    model: string,
  ): ChatRequestBody {
    const shaped = { ...body, max_completion_tokens: max_tokens };
    if (!REASONING_MODEL.test(model)) return shaped;
    const {
      temperature: _temperature,
      top_p: _topP,
      frequency_penalty: _frequency,
      presence_penalty: _presence,
      ...rest
    } = shaped;
    return rest;
  }
}
