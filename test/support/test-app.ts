import 'reflect-metadata';
import type { LogLevel } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { AppLogger } from '../../src/common/logging/app-logger.js';
import { loadConfiguration, type AppConfig } from '../../src/config/configuration.js';
import { createTestDatabase, dropTestDatabase } from './database.js';

export interface LogRecord {
  level: LogLevel;
  context?: string;
  message: unknown;
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** http://127.0.0.1:PORT — the app really listens, so SSE and aborts behave as in production. */
  url: string;
  http: TestAgent;
  dataSource: DataSource;
  databaseUrl: string;
  /** Every record logged at warn level or above. */
  logs: LogRecord[];
  errorLogs(): LogRecord[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string | undefined>;
  /** Share another app's database (several instances); otherwise a fresh one is made. */
  databaseUrl?: string;
}

/** The configuration every test app (e2e and medium) starts with: `env` on top of these. */
export function testConfiguration(
  databaseUrl: string,
  env: Record<string, string | undefined> = {},
): AppConfig {
  return loadConfiguration({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'app-test-')),
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    DB_POOL_SIZE: '5',
    FRONTEND_URL: 'http://frontend.test',
    // Tests run background jobs explicitly (JobQueue.runDue) unless they opt in to polling.
    JOBS_POLL_INTERVAL_MS: '0',
    // A reply's tokens are written as it ends (the batching has its own medium test).
    TOKEN_USAGE_FLUSH_MS: '0',
    ...env,
    DATABASE_URL: databaseUrl,
  });
}

/** A silent logger that keeps every record at warn level or above. */
export function capturedLogs(): { logger: AppLogger; logs: LogRecord[] } {
  const logs: LogRecord[] = [];
  const logger = new AppLogger({ level: 'warn', json: false, silent: true }, (record) =>
    logs.push(record),
  );
  return { logger, logs };
}

/** Starts the real application on a random port against a real PostgreSQL database. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDatabase = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? ownDatabase!.url;
  const config = testConfiguration(databaseUrl, options.env);
  const { logger, logs } = capturedLogs();
  const { app } = await createApp(config, { logger });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    app,
    config,
    url,
    http: request(url),
    dataSource: app.get<DataSource>(getDataSourceToken()),
    databaseUrl,
    logs,
    errorLogs: () => logs.filter((record) => record.level === 'error' || record.level === 'fatal'),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (ownDatabase) await dropTestDatabase(ownDatabase.name);
    },
  };
}
