import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { databaseUrl, withServerClient } from './database.js';

/**
 * One PostgreSQL server for the whole run: DATABASE_URL when set (CI), else an embedded one.
 * Migrations are applied once to a template database; each e2e file clones it.
 */
export async function prepareDatabase(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: '.data/test',
      port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54330),
      database: 'postgres',
    });
    (globalThis as { __EMBEDDED_PG__?: typeof embedded }).__EMBEDDED_PG__ = embedded;
    serverUrl = embedded.url;
  }
  process.env.TEST_PG_SERVER_URL = serverUrl;
  // Unique per run, so two runs against one server do not trip over each other.
  const template = `app_test_template_${process.pid}`;
  process.env.TEST_PG_TEMPLATE = template;

  await withServerClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${template}"`);
  });
  const dataSource = new DataSource(
    dataSourceOptions({
      url: databaseUrl(serverUrl, template),
      poolSize: 2,
      statementTimeoutMs: 30000,
      embeddedPort: 0,
    }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
}
