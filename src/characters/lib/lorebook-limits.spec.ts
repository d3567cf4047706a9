import { describe, expect, it } from '@jest/globals';
import { LOREBOOK_LIMITS, lorebookLimitProblem } from './lorebook-limits.js';

const entries = (count: number, fields: (i: number) => Record<string, unknown>) => ({
  entries: Array.from({ length: count }, (_, i) => fields(i)),
});

describe('lorebookLimitProblem', () => {
  it('accepts a book at every limit, and what is not a book (checked elsewhere)', () => {
    const atLimits = entries(LOREBOOK_LIMITS.entries, (i) => ({
      keys: Array.from({ length: 5 }, (_, j) => `k${i}-${j}`.padEnd(10, 'x')),
      content: 'c'.repeat(LOREBOOK_LIMITS.contentChars / LOREBOOK_LIMITS.entries),
    }));
    expect(lorebookLimitProblem(atLimits)).toBeNull();
    for (const other of [null, 'x', {}, { entries: 'x' }, { entries: [null, 7, { keys: 'x' }] }]) {
      expect(lorebookLimitProblem(other)).toBeNull();
    }
  });

  it.each([
    [
      'entries',
      entries(1_001, () => ({ keys: ['a'] })),
      'may hold at most 1,000 entries (it has 1,001)',
    ],
    [
      'keys per list',
      entries(1, () => ({ keys: [], secondary_keys: Array.from({ length: 51 }, () => 'k') })),
      'entries[0].secondary_keys may hold at most 50 keys',
    ],
    [
      'key length',
      entries(2, (i) => ({ keys: i ? ['k'.repeat(201)] : [] })),
      'keys may be at most 200 characters (entries[1].keys)',
    ],
    [
      'keys',
      entries(101, () => ({ keys: Array.from({ length: 50 }, () => 'k') })),
      'may hold at most 5,000 keys in all (it has 5,050)',
    ],
    [
      'key characters',
      entries(300, () => ({ keys: Array.from({ length: 10 }, () => 'k'.repeat(20)) })),
      'keys may total at most 50,000 characters (they total 60,000)',
    ],
    [
      'content characters',
      entries(2, () => ({ keys: ['k'], content: 'c'.repeat(200_001) })),
      'entry contents may total at most 400,000 characters (they total 400,002)',
    ],
  ])('names the %s limit', (_, book, problem) => {
    expect(lorebookLimitProblem(book)).toBe(problem);
  });
});
