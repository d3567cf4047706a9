import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ShutdownDeadline } from '../../src/common/lifecycle/shutdown-deadline.js';
import { withServerClient } from '../support/database.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The database name is in the app's URL; it must not reach the public answer. */
const databaseName = (t: TestApp) => new URL(t.databaseUrl).pathname.slice(1);

describe('readiness', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('says which dependency is not ready, and keeps the details for the log', async () => {
    await t.http.get('/api/readyz').expect(200, { status: 'ok' });
    // A migration the code knows but the database has not applied.
    await t.dataSource.query(
      `DELETE FROM typeorm_migrations WHERE id = (SELECT max(id) FROM typeorm_migrations)`,
    );
    const pending = await t.http.get('/api/readyz').expect(503);
    expect(pending.body).toMatchObject({ status_code: 503, message: 'Not ready: migrations down' });
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'Not ready: migrations: pending migrations',
      }),
    );
  });

  it('does not tell the public what the database driver said', async () => {
    const name = databaseName(t);
    await withServerClient((client) => client.query(`DROP DATABASE "${name}" WITH (FORCE)`));
    const res = await t.http.get('/api/readyz').expect(503);
    expect(res.body).toMatchObject({
      status_code: 503,
      message: expect.stringMatching(/^Not ready: database down(; migrations down)?$/),
    });
    expect(JSON.stringify(res.body)).not.toContain(name);
    expect(t.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining(name) }),
    );
  });

  // Last: a second app takes over Nest's static loggers.
  it('is not ready once shutdown has begun, so traffic moves to other instances', async () => {
    const stopping = await createTestApp();
    try {
      stopping.app.get(ShutdownDeadline).start();
      const res = await stopping.http.get('/api/readyz').expect(503);
      expect(res.body).toMatchObject({ message: 'Not ready: shutting down' });
      await stopping.http.get('/api/healthz').expect(200);
    } finally {
      await stopping.close();
    }
  });
});
