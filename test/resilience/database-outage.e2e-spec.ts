import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../../src/database/embedded-postgres.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// A throwaway PostgreSQL server of this test's own, so it can be stopped under a running API.
const dataDir = resolve('.data', `test-outage-${process.pid}`);
const port = 21000 + (process.pid % 20000);

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('PostgreSQL outage while the API runs', () => {
  let database: EmbeddedDatabase;
  let t: TestApp;

  const start = () => startEmbeddedPostgres({ dataDir, port, database: 'app' });

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    database = await start();
    // Migrations run at start-up: this server starts empty.
    t = await createTestApp({
      databaseUrl: database.url,
      env: { DB_STATEMENT_TIMEOUT_MS: '2000' },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 while the database is down and recovers without a restart', async () => {
    await t.http.get('/api/readyz').expect(200);
    await t.http.get('/api/characters').expect(200);

    await database.stop();
    const ready = await t.http.get('/api/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      status_code: 503,
      message: expect.stringContaining('database'),
    });
    const catalogue = await t.http.get('/api/characters');
    expect(catalogue.status).toBe(503);
    expect(catalogue.body.message).toBe('The database is unavailable, please retry shortly');
    expect(JSON.stringify(catalogue.body)).not.toMatch(/ECONNREFUSED|SELECT|stack/i);
    await t.http.get('/api/healthz').expect(200);

    database = await start();
    await eventually(async () => (await t.http.get('/api/readyz')).status === 200);
    await t.http.get('/api/characters').expect(200);
    expect(t.errorLogs()).toEqual([]);
  }, 120_000);
});
