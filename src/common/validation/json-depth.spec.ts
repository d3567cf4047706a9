import { describe, expect, it } from '@jest/globals';
import {
  assertJsonTextDepth,
  JsonTooDeepError,
  jsonTextDepth,
  MAX_JSON_DEPTH,
  parseJsonBounded,
} from './json-depth.js';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('jsonTextDepth', () => {
  it('counts arrays and objects, not brackets inside strings or after escaped quotes', () => {
    expect(jsonTextDepth('1')).toBe(0);
    expect(jsonTextDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonTextDepth('["[[[[", "\\"[[[", {"x": "\\\\"}]')).toBe(2);
  });

  it('reads UTF-8 bytes as it reads text (multi-byte characters never look like brackets)', () => {
    const text = JSON.stringify({ name: '漢字 [{ émoji 🎲 }]', list: [[['深い']]] });
    expect(jsonTextDepth(Buffer.from(text))).toBe(jsonTextDepth(text));
    expect(jsonTextDepth(text)).toBe(4);
  });

  it('stops counting once past the bound', () => {
    expect(jsonTextDepth(nested(1000), 10)).toBe(11);
  });
});

describe('assertJsonTextDepth / parseJsonBounded', () => {
  it('accepts the limit and refuses one level more, naming it', () => {
    expect(() => assertJsonTextDepth(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => assertJsonTextDepth(nested(MAX_JSON_DEPTH + 1), 'the card')).toThrow(
      new JsonTooDeepError('the card', MAX_JSON_DEPTH),
    );
    expect(new JsonTooDeepError('the card', 64).message).toBe(
      'the card nests arrays and objects deeper than 64 levels (the limit)',
    );
  });

  it('refuses 100,000 levels before parsing and without a RangeError', () => {
    const text = nested(100_000, '{"a":', '}').replace(/\{"a":\}/, '{}');
    expect(() => parseJsonBounded(text)).toThrow(JsonTooDeepError);
  });

  it('parses what is within the bound; malformed JSON still fails as JSON.parse fails', () => {
    expect(parseJsonBounded('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(() => parseJsonBounded('{"a":')).toThrow(SyntaxError);
  });
});
