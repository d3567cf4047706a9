import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import {
  databaseUrl,
  dropTestDatabase,
  testServerUrl,
  withServerClient,
} from '../support/database.js';

const tables = async (dataSource: DataSource): Promise<string[]> =>
  (
    await dataSource.query<{ tablename: string }[]>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
  ).map((row) => row.tablename);

describe('migrations', () => {
  const name = `app_test_migrations_${process.pid}_${Date.now()}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    await withServerClient((client) => client.query(`CREATE DATABASE "${name}"`));
    dataSource = new DataSource(
      dataSourceOptions({
        url: databaseUrl(testServerUrl(), name),
        poolSize: 2,
        statementTimeoutMs: 30000,
        embeddedPort: 0,
      }),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  it('apply to an empty database, revert one by one, and apply again', async () => {
    await dataSource.runMigrations();
    expect(await dataSource.showMigrations()).toBe(false);
    const migrated = await tables(dataSource);
    expect(migrated).toEqual(expect.arrayContaining(['prompt_template', 'typeorm_migrations']));

    for (let i = 0; i < migrations.length; i++) await dataSource.undoLastMigration();
    expect(await tables(dataSource)).toEqual(['typeorm_migrations']);
    expect(await dataSource.showMigrations()).toBe(true);

    await dataSource.runMigrations();
    expect(await tables(dataSource)).toEqual(migrated);
  });
});
