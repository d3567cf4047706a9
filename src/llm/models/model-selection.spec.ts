import { describe, expect, it } from '@jest/globals';
import type { ModelInfo } from '../llm.types.js';
import { MODEL_REGISTRY } from './model-registry.js';
import { pickFallbackModels } from './model-selection.js';

const model = (id: string, vendor: string, quality: number): ModelInfo => ({
  id,
  name: id,
  vendor,
  quality,
  nsfw: false,
  thinking: false,
});

describe('pickFallbackModels', () => {
  it('takes the best model of each vendor first, then the next best', () => {
    const models = [
      model('meta-small', 'meta', 5),
      model('meta-big', 'meta', 9),
      model('meta-mid', 'meta', 8),
      model('qwen', 'alibaba', 7),
    ];
    expect(pickFallbackModels(models).map((m) => m.id)).toEqual(['meta-big', 'qwen', 'meta-mid']);
    expect(pickFallbackModels(models, 2).map((m) => m.id)).toEqual(['meta-big', 'qwen']);
  });

  it('returns what there is when fewer models remain', () => {
    expect(pickFallbackModels([model('a', 'x', 1)]).map((m) => m.id)).toEqual(['a']);
    expect(pickFallbackModels([])).toEqual([]);
  });
});

describe('MODEL_REGISTRY', () => {
  it('has the documented free-tier sizes and scores within 0-10', () => {
    expect(MODEL_REGISTRY.groq).toHaveLength(6);
    expect(MODEL_REGISTRY.cerebras).toHaveLength(3);
    expect(MODEL_REGISTRY.openrouter).toHaveLength(8);
    for (const models of Object.values(MODEL_REGISTRY)) {
      for (const { quality } of models) expect(quality >= 0 && quality <= 10).toBe(true);
    }
  });
});
