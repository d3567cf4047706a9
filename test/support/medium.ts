import 'reflect-metadata';
import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ShutdownModule } from '../../src/common/lifecycle/shutdown-deadline.js';
import { EventsModule } from '../../src/common/events/events.module.js';
import { JobsModule } from '../../src/common/jobs/jobs.module.js';
import { MailModule } from '../../src/common/mail/mail.module.js';
import { MetricsModule } from '../../src/common/metrics/metrics.module.js';
import { RedisModule } from '../../src/common/redis/redis.module.js';
import { SettingsModule } from '../../src/common/settings/settings.module.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import type { AppConfig } from '../../src/config/configuration.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { createTestDatabase, dropTestDatabase } from './database.js';
import { capturedLogs, testConfiguration, type LogRecord } from './test-app.js';

export interface MediumModule {
  /**
   * The compiled, initialised module: `app.get(SomeService)` gives the real instance. Named as
   * TestApp's `app`, so helpers that only `get()` from it (createUser) serve both tiers.
   */
  app: TestingModule;
  config: AppConfig;
  dataSource: DataSource;
  databaseUrl: string;
  /** Every record logged at warn level or above. */
  logs: LogRecord[];
  errorLogs(): LogRecord[];
  close(): Promise<void>;
}

export interface MediumModuleOptions {
  /** The feature modules under test: their real providers, repositories and imports. */
  imports?: ModuleMetadata['imports'];
  /** Providers of the test's own on top of them (rarely needed). */
  providers?: ModuleMetadata['providers'];
  /** Environment variables on top of the test defaults (the same as the e2e app's). */
  env?: Record<string, string | undefined>;
  /** Share another module's database (several instances); otherwise a fresh clone is made. */
  databaseUrl?: string;
}

/**
 * The medium tier's harness: the named feature modules with their real providers and
 * repositories, the app's configuration and its TypeORM connection to a database cloned from
 * the migrated template, and the global modules every feature relies on (settings, mail,
 * Redis when REDIS_URL is given, events, jobs, metrics, shutdown deadline). No HTTP
 * application, no listener: a test calls services directly. One per test file; `close()`
 * drops the database.
 */
export async function createMediumModule(options: MediumModuleOptions = {}): Promise<MediumModule> {
  const ownDatabase = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? ownDatabase!.url;
  const config = testConfiguration(databaseUrl, options.env);
  const { logger, logs } = capturedLogs();
  let module: TestingModule | undefined;
  try {
    module = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        ShutdownModule,
        MetricsModule,
        SettingsModule,
        MailModule,
        RedisModule,
        EventsModule,
        JobsModule,
        ...(options.imports ?? []),
      ],
      providers: options.providers ?? [],
    })
      .setLogger(logger)
      .compile();
    // Runs onModuleInit and onApplicationBootstrap, as the app's start-up does.
    await module.init();
  } catch (error) {
    await module?.close().catch(() => undefined);
    if (ownDatabase) await dropTestDatabase(ownDatabase.name);
    throw error;
  }
  const started = module;
  let closed = false;
  return {
    app: started,
    config,
    dataSource: started.get<DataSource>(getDataSourceToken()),
    databaseUrl,
    logs,
    errorLogs: () => logs.filter((record) => record.level === 'error' || record.level === 'fatal'),
    async close() {
      if (closed) return;
      closed = true;
      await started.close();
      if (ownDatabase) await dropTestDatabase(ownDatabase.name);
    },
  };
}
