import type { DataSource } from 'typeorm';

/**
 * Runs a DELETE that removes at most `batch` rows (its last parameter, `params.length + 1`,
 * is the batch size, as in `… LIMIT $n`) until a batch comes back short, and returns how many
 * rows went. Many short statements rather than one: a backlog deleted at once would be one
 * long transaction holding its locks and a burst of WAL.
 */
export async function deleteInBatches(
  dataSource: DataSource,
  sql: string,
  params: readonly unknown[],
  batch: number,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const [, affected] = (await dataSource.query(sql, [...params, batch])) as [unknown, number];
    deleted += affected;
    if (affected < batch) return deleted;
  }
}
