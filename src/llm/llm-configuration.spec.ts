import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration } from '../config/configuration.js';

const load = (env: Record<string, string> = {}) =>
  loadConfiguration({ DATA_DIR: mkdtempSync(join(tmpdir(), 'llm-config-')), ...env }).llm;

describe('LLM configuration', () => {
  it('has documented defaults and enables only providers with a key', () => {
    expect(load({ GROQ_API_KEY: 'k' })).toMatchObject({
      providers: { groq: { apiKey: 'k', baseUrl: 'https://api.groq.com/openai/v1' } },
      providerOrder: [
        'openai',
        'anthropic',
        'gemini',
        'deepseek',
        'qwen',
        'together',
        'groq',
        'cerebras',
        'openrouter',
      ],
      firstTokenTimeoutMs: 30000,
      streamIdleTimeoutMs: 30000,
      offlineTokenDelayMs: 30,
    });
    expect(Object.keys(load().providers)).toEqual([]);
  });

  it.each([
    [
      { LLM_PROVIDER_ORDER: 'groq,claude' },
      'LLM_PROVIDER_ORDER names an unknown provider "claude"',
    ],
    [
      { LLM_FIRST_TOKEN_TIMEOUT_MS: 'soon' },
      'LLM_FIRST_TOKEN_TIMEOUT_MS must be an integer number',
    ],
    [{ OFFLINE_LLM_TOKEN_DELAY_MS: '-1' }, 'OFFLINE_LLM_TOKEN_DELAY_MS must not be less than 0'],
  ])('stops on %j', (env, message) => {
    expect(() => load(env)).toThrow(message);
  });
});
