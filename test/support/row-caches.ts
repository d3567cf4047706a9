import { RowChangeFeed } from '../../src/common/row-changes/row-change-feed.js';

interface HasApp {
  app: { get<T>(type: new (...args: never[]) => T): T };
}

/**
 * After fixture SQL that changed cached rows (`character`, `app_user`) outside the services:
 * waits until each app's row caches heard it, as a real instance does a moment later.
 */
export async function rowCachesCaughtUp(...apps: HasApp[]): Promise<void> {
  await Promise.all(apps.map(({ app }) => app.get(RowChangeFeed).caughtUp()));
}
