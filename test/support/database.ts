import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Set by global-setup: the server's maintenance URL and the migrated template database. */
export const testServerUrl = (): string => {
  const url = process.env.TEST_PG_SERVER_URL;
  if (!url) throw new Error('TEST_PG_SERVER_URL is unset: run tests through jest (global-setup)');
  return url;
};

export const templateDatabase = (): string => process.env.TEST_PG_TEMPLATE ?? 'app_test_template';

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withServerClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database cloned from the migrated template: one per test file, cheap to make. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `app_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withServerClient((client) =>
    client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`),
  );
  return { name, url: databaseUrl(testServerUrl(), name) };
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withServerClient((client) =>
    client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  );
}
