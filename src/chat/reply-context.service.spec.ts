import { describe, expect, it } from '@jest/globals';
import { fitHistory } from './reply-context.service.js';
import { estimateTokens } from './storytelling/lorebook.js';

const message = (chars: number, label = '') => ({ content: label.padEnd(chars, '.') });

describe('fitHistory', () => {
  it('keeps the newest messages that fit, oldest first', () => {
    const history = [message(400, 'a'), message(400, 'b'), message(400, 'c')];
    expect(fitHistory(history, 200).map((m) => m.content[0])).toEqual(['b', 'c']);
    expect(fitHistory(history, 1000)).toHaveLength(3);
    expect(fitHistory(history, 99)).toEqual([]);
  });

  it('stops at the first message that does not fit, so no gap opens in the history', () => {
    const history = [message(4, 'a'), message(4000, 'b'), message(4, 'c')];
    expect(fitHistory(history, 10).map((m) => m.content[0])).toEqual(['c']);
  });

  it('estimates about four characters a token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
  });
});
