import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('cross-instance signals', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('share one LISTEN connection per instance, on every channel', async () => {
    const connections = await t.dataSource.query<Array<{ application_name: string }>>(
      `SELECT application_name FROM pg_stat_activity
       WHERE datname = current_database() AND application_name <> 'roleplay-chat-backend'
         AND application_name LIKE 'roleplay-%'`,
    );
    expect(connections).toEqual([{ application_name: 'roleplay-signals' }]);
    const channels = await t.dataSource.query<Array<{ channel: string }>>(
      `SELECT pg_listening_channels() AS channel`,
    );
    // The pool's connections listen on nothing; the listening one is not in the pool.
    expect(channels).toEqual([]);
  });
});
