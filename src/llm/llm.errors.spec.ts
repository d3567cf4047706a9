import { describe, expect, it } from '@jest/globals';
import { toUpstreamError } from './llm.errors.js';

const classify = (error: object) => toUpstreamError('groq', 'm', error).kind;

describe('toUpstreamError', () => {
  it.each([
    [{ status: 402, message: 'Payment Required' }, 'balance'],
    [
      { status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota' },
      'balance',
    ],
    [{ status: 400, message: 'Insufficient Balance' }, 'balance'],
    [{ status: 429, message: 'Rate limit reached' }, 'rate_limit'],
    [{ status: 503, message: 'Overloaded' }, 'server'],
    [{ status: 400, message: 'context too long' }, 'rejected'],
    [{ status: 404, message: 'model not found' }, 'refused'],
    [new Error('terminated'), 'connection'],
  ])('%j -> %s', (error, kind) => {
    expect(classify(error)).toBe(kind);
  });
});
