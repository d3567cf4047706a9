import { describe, expect, it } from '@jest/globals';
import { stripThinking, ThinkingFilter } from './thinking-filter.js';

/** Seeded PRNG (mulberry32) so a failing split can be reproduced. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSplit(text: string, random: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length;) {
    const size = 1 + Math.floor(random() * 9);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}

function filterChunks(chunks: string[]): string {
  const filter = new ThinkingFilter();
  return chunks.map((chunk) => filter.push(chunk)).join('') + filter.flush();
}

const SAMPLES = [
  '<think>plan the reply</think>\n\nHello there, traveller.',
  'Before <think>hidden</think> after, and <think>more\nhidden</think>end.',
  '<think>never closed, the model ran out of tokens',
  'No tags at all, just a < sign, a <th fragment and a </think> stray close.',
  'She whispers <3 and <thinks> about it; <think>x</think>   <think>y</think>done',
  '<think></think>Empty block first.',
  'Trailing partial <thi',
];

describe('ThinkingFilter', () => {
  it.each(SAMPLES)('matches stripThinking for %j in one chunk and char by char', (text) => {
    expect(filterChunks([text])).toBe(stripThinking(text));
    expect(filterChunks([...text])).toBe(stripThinking(text));
  });

  it('matches stripThinking under 500 random chunk splits', () => {
    const random = prng(20251122);
    for (let run = 0; run < 500; run++) {
      const text = SAMPLES[run % SAMPLES.length];
      const chunks = randomSplit(text, random);
      expect({ chunks, out: filterChunks(chunks) }).toEqual({ chunks, out: stripThinking(text) });
    }
  });

  it('emits visible text as soon as it cannot be part of a tag', () => {
    const filter = new ThinkingFilter();
    expect(filter.push('Hello <')).toBe('Hello ');
    expect(filter.push('b>')).toBe('<b>');
    expect(filter.push('<think>secret')).toBe('');
    expect(filter.push('</thi')).toBe('');
    expect(filter.push('nk>\n  Visible')).toBe('Visible');
    expect(filter.flush()).toBe('');
  });

  it('drops everything after an unterminated leading think block', () => {
    const filter = new ThinkingFilter();
    expect(filter.push('<think>reasoning that')).toBe('');
    expect(filter.push(' never ends')).toBe('');
    expect(filter.flush()).toBe('');
  });
});

describe('stripThinking', () => {
  it('removes blocks and the whitespace after them', () => {
    expect(stripThinking('<think>a\nb</think>\n\nAnswer <think>c</think> here')).toBe(
      'Answer here',
    );
    expect(stripThinking('Answer<think>cut off')).toBe('Answer');
  });
});
