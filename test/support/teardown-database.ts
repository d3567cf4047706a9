import type { EmbeddedDatabase } from '../../src/database/embedded-postgres.js';
import { withServerClient } from './database.js';

export async function teardownDatabase(): Promise<void> {
  const template = process.env.TEST_PG_TEMPLATE;
  if (template) {
    await withServerClient((client) =>
      client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`),
    );
  }
  await (globalThis as { __EMBEDDED_PG__?: EmbeddedDatabase }).__EMBEDDED_PG__?.stop();
}
