import { describe, expect, it } from '@jest/globals';
import { cursorPage, numberedPage, offsetOf, pageOfRows, rowsToRead } from './pagination.js';

describe('pagination', () => {
  it('reads one row more than a page shows, and skips the pages before', () => {
    expect(rowsToRead(20)).toBe(21);
    expect(offsetOf({ page: 1, pageSize: 20 })).toBe(0);
    expect(offsetOf({ page: 3, pageSize: 20 })).toBe(40);
  });

  it('shows a page of the rows read and says whether more follow', () => {
    expect(pageOfRows([1, 2, 3], 2)).toEqual({ shown: [1, 2], hasMore: true });
    expect(pageOfRows([1, 2], 2)).toEqual({ shown: [1, 2], hasMore: false });
    expect(pageOfRows([], 2)).toEqual({ shown: [], hasMore: false });
  });

  it('answers a numbered page in the spec shape', () => {
    expect(numberedPage([1, 2, 3], { page: 2, pageSize: 2 }, (n) => n * 10)).toEqual({
      items: [10, 20],
      page: 2,
      page_size: 2,
      has_more: true,
    });
  });

  it("gives a keyset page the last shown row's cursor only when more follow", () => {
    const rows = [{ id: 9 }, { id: 7 }, { id: 4 }];
    expect(cursorPage(rows, 2, (row) => row.id)).toEqual({
      shown: [{ id: 9 }, { id: 7 }],
      nextCursor: '7',
    });
    expect(cursorPage(rows, 3, (row) => row.id).nextCursor).toBeNull();
  });
});
