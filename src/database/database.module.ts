import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';

/**
 * The app's connection pool. Pending migrations run at start-up; entities come from each
 * feature module's TypeOrmModule.forFeature.
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
          migrationsRun: true,
          // Start-up fails fast on a wrong URL instead of retrying for minutes.
          retryAttempts: 2,
          retryDelay: 1000,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
