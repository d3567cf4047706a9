/**
 * The one way lists page. A repository's page query reads one row more than the page shows
 * (`rowsToRead`), and that row's presence says whether more follow, without counting; the
 * service turns the rows into the response with `numberedPage` (`?page=&page_size=` lists) or
 * `cursorPage` (keyset lists: `?cursor=` / `before_id`, newest first).
 */
export interface PageRequest {
  /** 1-based. */
  page: number;
  pageSize: number;
}

/** How many rows a page query reads for a page of `pageSize`: one more, to see what follows. */
export const rowsToRead = (pageSize: number): number => pageSize + 1;

/** The rows before a numbered page. */
export const offsetOf = ({ page, pageSize }: PageRequest): number => (page - 1) * pageSize;

/** The page a numbered list shows of the rows read, in the spec's response shape. */
export function numberedPage<R, I>(
  rows: readonly R[],
  { page, pageSize }: PageRequest,
  toItem: (row: R) => I,
): { items: I[]; page: number; page_size: number; has_more: boolean } {
  const { shown, hasMore } = pageOfRows(rows, pageSize);
  return { items: shown.map(toItem), page, page_size: pageSize, has_more: hasMore };
}

/** The rows a keyset page shows, and the cursor of the last one when more follow. */
export function cursorPage<R>(
  rows: readonly R[],
  limit: number,
  cursorOf: (last: R) => string | number,
): { shown: R[]; nextCursor: string | null } {
  const { shown, hasMore } = pageOfRows(rows, limit);
  return { shown, nextCursor: hasMore ? String(cursorOf(shown[shown.length - 1])) : null };
}

/** The rows a page shows of those read (`rowsToRead`), and whether more follow. */
export function pageOfRows<R>(
  rows: readonly R[],
  pageSize: number,
): { shown: R[]; hasMore: boolean } {
  return { shown: rows.slice(0, pageSize), hasMore: rows.length > pageSize };
}
