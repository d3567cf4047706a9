import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  RowChangeFeed,
  RowChangesModule,
} from '../../../src/common/row-changes/row-change-feed.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';

describe('RowChangeFeed', () => {
  let m: MediumModule;
  let feed: RowChangeFeed;
  const heard: string[] = [];

  beforeAll(async () => {
    m = await createMediumModule({ imports: [RowChangesModule] });
    feed = m.app.get(RowChangeFeed);
    feed.onChange('app_user', (id) => heard.push(id));
  });

  afterAll(async () => {
    await m?.close();
  });

  it('is caught up once every change committed before the call was dispatched', async () => {
    const users: Array<{ id: string }> = await m.dataSource.query(
      `INSERT INTO app_user (email, role, tier)
       SELECT 'feed-' || n || '@example.test', 'user', 'free' FROM generate_series(1, 3) AS n
       RETURNING id`,
    );
    heard.length = 0;
    for (const user of users) {
      await m.dataSource.query(`UPDATE app_user SET tier = 'premium' WHERE id = $1`, [user.id]);
    }
    await feed.caughtUp();
    expect(heard).toEqual(users.map((user) => user.id));
  });

  it('treats its own markers as no row change', async () => {
    heard.length = 0;
    await Promise.all([feed.caughtUp(), feed.caughtUp()]);
    expect(heard).toEqual([]);
  });
});
