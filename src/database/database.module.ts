import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, MigrationExecutor } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';

/** First key of the start-up migration lock ("MIGR"); the scheduler's task locks use "AUTO". */
const MIGRATION_LOCK = 0x4d494752;

/**
 * Applies pending migrations holding a PostgreSQL advisory lock, on the lock's own connection.
 * Instances starting together (a deploy, `docker compose --profile scale up`) would otherwise
 * race to apply the same migration, and the loser would fail its start-up; with the lock the
 * others wait, then find nothing pending. A crashed holder's lock goes with its connection.
 *
 * The connection comes from the app's pool, which sets DB_STATEMENT_TIMEOUT_MS: the session
 * lifts it, as waiting for another instance's migrations, or a CREATE INDEX on a big table,
 * may take far longer, and a timeout there would fail every start-up. RESET restores the
 * pool's value (a connection parameter) before the connection goes back to the pool; after a
 * failure start-up stops and the whole pool is closed (DatabaseModule).
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SET statement_timeout = 0`);
    await runner.query(`SELECT pg_advisory_lock($1::int, 0)`, [MIGRATION_LOCK]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = dataSource.options.migrationsTransactionMode ?? 'all';
      await executor.executePendingMigrations();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock($1::int, 0)`, [MIGRATION_LOCK]);
    }
    await runner.query(`RESET statement_timeout`);
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    await runner.release();
  }
}

/**
 * The app's connection pool. Pending migrations run at start-up (one instance at a time);
 * entities come from each feature module's TypeOrmModule.forFeature.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.database.url) {
          throw new Error('database.url is unset: main.ts starts embedded PostgreSQL first');
        }
        return {
          ...dataSourceOptions({ ...config.database, url: config.database.url }),
          autoLoadEntities: true,
          // Start-up fails fast on a wrong URL instead of retrying for minutes.
          retryAttempts: 2,
          retryDelay: 1000,
        };
      },
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const dataSource = await new DataSource(options!).initialize();
        try {
          await runMigrationsLocked(dataSource);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
