import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';

// The real `npm start` path: the compiled app as its own process, no DATABASE_URL, so it
// must start (and stop) embedded PostgreSQL itself.
const buildDir = resolve('.data', `test-build-${process.pid}`);
const dataDir = resolve('.data', `test-process-${process.pid}`);
const pgPort = 20000 + (process.pid % 20000);

function startProcess(env: Record<string, string>): ChildProcess {
  const withoutDatabase = { ...process.env };
  delete withoutDatabase.DATABASE_URL;
  return spawn(process.execPath, [join(buildDir, 'src/main.js')], {
    env: { ...withoutDatabase, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('not ready within 60 s');
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(socket.end() && true));
    socket.once('error', () => resolve(false));
  });

describe('the app process', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      buildDir,
    ]);
    mkdirSync(dataDir, { recursive: true });
  }, 120_000);

  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops at start-up with one line naming a bad variable', async () => {
    const child = startProcess({ PORT: 'eighty', DATA_DIR: dataDir });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    expect(await exited(child)).toBe(1);
    expect(stderr.trim()).toBe('Invalid environment: PORT must be an integer number');
  });

  it('starts embedded PostgreSQL without DATABASE_URL, stops it on SIGTERM, and reuses its data', async () => {
    const env = { PORT: String(pgPort + 1), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) };
    const url = `http://127.0.0.1:${env.PORT}`;
    const pgUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/app`;

    const first = startProcess(env);
    await waitReady(url, first);
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`INSERT INTO prompt_template (key, value) VALUES ('test.marker', 'kept')`);
    await client.end();
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    expect(await portOpen(pgPort)).toBe(false);

    const second = startProcess(env);
    await waitReady(url, second);
    const again = new pg.Client({ connectionString: pgUrl });
    await again.connect();
    const { rows } = await again.query(
      `SELECT value FROM prompt_template WHERE key = 'test.marker'`,
    );
    await again.end();
    expect(rows).toEqual([{ value: 'kept' }]);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    expect(await portOpen(pgPort)).toBe(false);
  }, 150_000);
});
