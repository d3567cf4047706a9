import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/configuration.js';
import { migrations } from '../../migrations/index.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/**
 * The single source of connection settings, shared by the app and the migration CLI.
 * The schema comes only from `migrations/`; synchronize stays off.
 */
export function dataSourceOptions(
  database: AppConfig['database'] & { url: string },
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: database.url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    extra: {
      max: database.poolSize,
      statement_timeout: database.statementTimeoutMs,
      connectionTimeoutMillis: 5000,
      application_name: 'roleplay-chat-backend',
      // Catalogue search: 'captian' must still find 'captain' (pg_trgm's default is 0.6).
      options: '-c pg_trgm.word_similarity_threshold=0.4',
    },
  };
}
