import { describe, expect, it } from '@jest/globals';
import { MAX_HELD_CHARS, ThinkingFilter } from './thinking-filter.js';
import { headOf, MAX_DELTA_CHARS, textPieces, UPSTREAM_PIECE_CHARS } from './text-pieces.js';

const isLoneHigh = (text: string) => /[\uD800-\uDBFF]$/.test(text);

describe('textPieces', () => {
  it('cuts a 3 MB string into pieces of at most the bound that join back to it', () => {
    const text = 'x'.repeat(3_000_000);
    const pieces = [...textPieces(text)];
    expect(pieces.length).toBe(Math.ceil(3_000_000 / UPSTREAM_PIECE_CHARS));
    expect(Math.max(...pieces.map((piece) => piece.length))).toBe(UPSTREAM_PIECE_CHARS);
    expect(pieces.join('')).toBe(text);
  });

  it('never splits a surrogate pair', () => {
    // Odd offsets put a pair across every naive boundary.
    const text = `a${'😀'.repeat(50_000)}`;
    const pieces = [...textPieces(text, 1001)];
    expect(pieces.every((piece) => piece.length <= 1001 && !isLoneHigh(piece))).toBe(true);
    expect(pieces.join('')).toBe(text);
  });

  it('yields nothing for empty text and short text whole', () => {
    expect([...textPieces('')]).toEqual([]);
    expect([...textPieces('short')]).toEqual(['short']);
  });

  it('is lazy: a caller that stops early has sliced one piece', () => {
    const pieces = textPieces('y'.repeat(1_000_000), 10);
    expect(pieces.next().value).toBe('y'.repeat(10));
    pieces.return(undefined);
  });

  it('leaves room for what the think-tag filter holds back', () => {
    // A piece that ends with a tag's start, held back, then a whole piece of text after it.
    const filter = new ThinkingFilter();
    const text = `${'z'.repeat(UPSTREAM_PIECE_CHARS - 6)}<think${'z'.repeat(UPSTREAM_PIECE_CHARS)}`;
    let longest = 0;
    for (const piece of textPieces(text)) longest = Math.max(longest, filter.push(piece).length);
    expect(longest).toBeGreaterThan(UPSTREAM_PIECE_CHARS);
    expect(longest).toBeLessThanOrEqual(MAX_DELTA_CHARS);
    expect(UPSTREAM_PIECE_CHARS + MAX_HELD_CHARS).toBe(MAX_DELTA_CHARS);
  });
});

describe('headOf', () => {
  it('keeps at most max characters, one fewer rather than half a pair', () => {
    expect(headOf('abcdef', 3)).toBe('abc');
    expect(headOf('ab', 3)).toBe('ab');
    expect(headOf('a😀b', 2)).toBe('a');
    expect(headOf('a😀b', 3)).toBe('a😀');
    expect(headOf('abc', 0)).toBe('');
  });
});
