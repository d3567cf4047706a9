import { describe, expect, it } from '@jest/globals';
import { cosine, rerank } from './embedding-rerank-retriever.js';

const candidate = (messageId: number) => ({ messageId });
const ids = (list: Array<{ messageId: number }>) => list.map((item) => item.messageId);

describe('cosine', () => {
  it('measures the angle, not the length', () => {
    expect(cosine([1, 0], [5, 0])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 3])).toBeCloseTo(0);
    expect(cosine([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosine([3, 4], [4, 3])).toBeCloseTo(24 / 25);
  });

  it('has no answer for vectors of different lengths or without direction', () => {
    expect(cosine([1, 0], [1, 0, 0])).toBeNull();
    expect(cosine([], [])).toBeNull();
    expect(cosine([0, 0], [1, 0])).toBeNull();
  });
});

describe('rerank', () => {
  it('orders embedded candidates by similarity to the query, whatever their full-text rank', () => {
    const vectors = new Map([
      [1, [0, 1]],
      [2, [1, 1]],
      [3, [1, 0]],
    ]);
    expect(ids(rerank([1, 2, 3].map(candidate), vectors, [1, 0]))).toEqual([3, 2, 1]);
  });

  it('keeps full-text order between equally similar candidates', () => {
    const vectors = new Map([
      [7, [2, 0]],
      [4, [1, 0]],
      [9, [0, 1]],
    ]);
    expect(ids(rerank([7, 4, 9].map(candidate), vectors, [1, 0]))).toEqual([7, 4, 9]);
    expect(ids(rerank([4, 7, 9].map(candidate), vectors, [1, 0]))).toEqual([4, 7, 9]);
  });

  it('puts candidates without a usable vector behind, in full-text order', () => {
    const vectors = new Map([
      [2, [0, 1]],
      [4, [1, 0]],
      // Another model's length: as good as none.
      [5, [1, 0, 0]],
    ]);
    expect(ids(rerank([1, 2, 3, 4, 5].map(candidate), vectors, [1, 0]))).toEqual([4, 2, 1, 3, 5]);
  });

  it('keeps the full-text order when nothing is embedded', () => {
    expect(ids(rerank([3, 1, 2].map(candidate), new Map(), [1, 0]))).toEqual([3, 1, 2]);
  });

  it('keeps what it is given: the passages themselves, not copies', () => {
    const passages = [
      { messageId: 1, content: 'a' },
      { messageId: 2, content: 'b' },
    ];
    const [first] = rerank(passages, new Map([[2, [1]]]), [1]);
    expect(first).toBe(passages[1]);
  });
});
