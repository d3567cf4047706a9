import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrationsLocked } from '../../src/database/database.module.js';
import {
  createTestDatabase,
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

/** Stands for a long migration, such as CREATE INDEX on a big table. */
class SlowMigration9999999999999 implements MigrationInterface {
  name = 'SlowMigration9999999999999';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SELECT pg_sleep(0.6)`);
  }

  async down(): Promise<void> {}
}

describe('start-up migrations', () => {
  let database: { name: string; url: string };
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({
      ...dataSourceOptions({
        url: database.url,
        // One connection: the one the migrations ran on is the one that serves queries next.
        poolSize: 1,
        statementTimeoutMs: 200,
        embeddedPort: 0,
      }),
      migrations: [...migrations, SlowMigration9999999999999],
    });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    if (database) await dropTestDatabase(database.name);
  });

  it("run without the app's statement timeout, and leave it in place for the app", async () => {
    await runMigrationsLocked(dataSource);
    expect(await dataSource.showMigrations()).toBe(false);

    const [{ statement_timeout }] = await dataSource.query(`SHOW statement_timeout`);
    expect(statement_timeout).toBe('200ms');
    await expect(dataSource.query(`SELECT pg_sleep(0.6)`)).rejects.toThrow(
      'canceling statement due to statement timeout',
    );
  });
});
