import { describe, expect, it } from '@jest/globals';
import { LlmRequestFailedError, ProviderUnavailableError } from '../llm/llm.errors.js';
import { replyErrorMessage } from './reply-errors.js';

const failed = (message: string) =>
  new LlmRequestFailedError([{ provider: 'groq', model: 'llama', kind: 'server', message }]);

describe('replyErrorMessage', () => {
  it("gives users the LLM layer's client-safe message, and a generic one for anything else", () => {
    expect(replyErrorMessage(failed('GPU on fire'), false)).toBe(
      'The language model did not answer, please retry shortly',
    );
    expect(replyErrorMessage(new ProviderUnavailableError('auto', 'none_available'), false)).toBe(
      'No language model provider is available right now',
    );
    // Why a provider a user named is off (billing, an admin switch) is not theirs to know.
    const blocked = new ProviderUnavailableError('openai', 'blocked');
    expect(replyErrorMessage(blocked, false)).toBe(
      'The model you chose is not available right now: pick another or use auto',
    );
    expect(replyErrorMessage(blocked, true)).toBe(
      'The openai provider is blocked after a billing error',
    );
    expect(replyErrorMessage(new Error('relation "message" does not exist'), false)).toBe(
      'Something went wrong while writing the reply, please try again',
    );
  });

  it('gives admins the details', () => {
    expect(replyErrorMessage(failed('GPU on fire'), true)).toBe(
      'The language model did not answer, please retry shortly — groq/llama: server (GPU on fire)',
    );
    expect(replyErrorMessage(new Error('boom'), true)).toBe('boom');
  });

  it('shows moderation refusals to everyone', () => {
    const refusal = failed('Input flagged by content policy');
    expect(replyErrorMessage(refusal, false)).toBe(
      'The model refused this message: Input flagged by content policy',
    );
    expect(replyErrorMessage(refusal, true)).toBe(replyErrorMessage(refusal, false));
  });
});
