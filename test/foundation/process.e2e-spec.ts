import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { replyOf, stream } from '../chat/chat-support.js';
import { createTestDatabase, dropTestDatabase } from '../support/database.js';
import { startFakeLlm } from '../support/fake-llm.js';

// The real `npm start` path: the compiled app as its own process, no DATABASE_URL, so it
// must start (and stop) embedded PostgreSQL itself.
const buildDir = resolve('.data', `test-build-${process.pid}`);
const dataDir = resolve('.data', `test-process-${process.pid}`);

// Ports the kernel just handed out and took back: a fixed range collided with ephemeral
// ports of other suites' connections, and the child then exited with EADDRINUSE.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// What each child wrote to stderr, so an early exit says why.
const stderrOf = new WeakMap<ChildProcess, string>();

function startProcess(env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const withoutDatabase = { ...process.env };
  delete withoutDatabase.DATABASE_URL;
  const child = spawn(process.execPath, [...nodeArgs, join(buildDir, 'src/main.js')], {
    env: { ...withoutDatabase, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stderrOf.set(child, '');
  child.stderr!.on('data', (chunk) =>
    stderrOf.set(child, (stderrOf.get(child)! + chunk).slice(-4000)),
  );
  return child;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`exited early with ${child.exitCode}: ${stderrOf.get(child)}`);
    }
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
    const pgPort = await freePort();
    const env = {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
    };
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

  it('on SIGTERM, stops a reply still running when the grace period ends, saves it and tells its client', async () => {
    const database = await createTestDatabase();
    const fake = await startFakeLlm();
    const secret = 'process-test-secret-process-test-secret-0123';
    const port = await freePort();
    const child = startProcess({
      PORT: String(port),
      DATABASE_URL: database.url,
      JWT_SECRET: secret,
      RATE_LIMIT_SCALE: '0',
      SHUTDOWN_TIMEOUT_MS: '500',
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: fake.baseURL,
      LLM_PROVIDER_ORDER: 'openai',
      // No DATA_DIR here: starters would leave their avatars in the repository's .data.
      SEED_STARTER_CHARACTERS: 'false',
    });
    const db = new pg.Client({ connectionString: database.url });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url, child);
      await db.connect();
      const {
        rows: [user],
      } = await db.query<{ id: string }>(
        `INSERT INTO app_user (email) VALUES ('sigterm@example.com') RETURNING id`,
      );
      const {
        rows: [character],
      } = await db.query<{ id: string }>(
        `INSERT INTO character (slug, owner_id, name, description, personality, greeting,
                                is_public, avatar_url, languages)
         VALUES ('keeper', $1, 'Mira', 'A lighthouse keeper.', 'gruff', 'Storm coming.', true,
                 '/api/avatars/x.png', '{en}')
         RETURNING id`,
        [user.id],
      );
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: user.id, pwv: 0 })}`;
      const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
      const auth = { Authorization: `Bearer ${unsigned}.${signature}` };
      const chat = await fetch(`${url}/api/chats`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ character_id: character.id }),
      });
      const { id: chatId } = (await chat.json()) as { id: string };

      // Ten seconds of reply, far past the half-second grace period.
      fake.script({
        tokens: Array.from({ length: 100 }, (_, i) => ` w${i}`),
        tokenIntervalMs: 100,
      });
      const res = await stream(url, `/api/chats/${chatId}/message`, {
        headers: auth,
        body: { content: 'Tell me everything' },
      });
      const first = await res.next();
      expect(first).toMatchObject({ type: 'token' });
      child.kill('SIGTERM');
      const { text, last } = replyOf([first!, ...(await res.rest())]);
      expect(last).toMatchObject({ type: 'done', message_id: expect.any(Number), stopped: true });
      expect(await exited(child)).toBe(0);
      const { rows } = await db.query<{ id: string; status: string; content: string }>(
        `SELECT id, status, content FROM message WHERE chat_id = $1 ORDER BY id DESC LIMIT 1`,
        [chatId],
      );
      expect(rows[0]).toEqual({ id: String(last!.message_id), status: 'stopped', content: text });
      expect(text.length).toBeLessThan(100 * 4);
    } finally {
      child.kill('SIGKILL');
      await db.end().catch(() => undefined);
      await fake.close();
      await dropTestDatabase(database.name);
    }
  }, 60_000);

  it('logs an uncaught exception or unhandled rejection at fatal level, mails it to the admins, then exits with 1', async () => {
    const database = await createTestDatabase();
    // Resend's API as the app calls it: what the admins are mailed arrives here.
    const mails: Array<{ to: string[]; subject: string; text: string }> = [];
    const resend = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        mails.push(JSON.parse(body));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"mail"}');
      });
    });
    await new Promise<void>((resolve) => resend.listen(0, '127.0.0.1', resolve));
    const resendUrl = `http://127.0.0.1:${(resend.address() as AddressInfo).port}`;
    // Loaded before the app: on SIGUSR2 the process throws, or rejects, outside any handler.
    const onSignal = (code: string) =>
      `data:text/javascript,process.on('SIGUSR2',()=>setImmediate(()=>{${code}}))`;
    const cases = [
      { code: "throw new Error('kaboom')", what: 'Uncaught exception: kaboom' },
      {
        code: "Promise.reject(new Error('nobody waits'))",
        what: 'Unhandled rejection: nobody waits',
      },
    ];
    try {
      for (const [index, { code, what }] of cases.entries()) {
        const port = await freePort();
        const child = startProcess(
          {
            PORT: String(port),
            DATABASE_URL: database.url,
            JWT_SECRET: 'process-test-secret-process-test-secret-0123',
            LOG_FORMAT: 'json',
            ADMIN_EMAILS: 'ops@example.com',
            RESEND_API_KEY: 'test',
            RESEND_API_URL: resendUrl,
            SITE_NAME: 'Velvet',
            SEED_STARTER_CHARACTERS: 'false',
          },
          ['--import', onSignal(code)],
        );
        let output = '';
        child.stdout!.on('data', (chunk) => (output += chunk));
        child.stderr!.on('data', (chunk) => (output += chunk));
        try {
          await waitReady(`http://127.0.0.1:${port}`, child);
          child.kill('SIGUSR2');
          expect(await exited(child)).toBe(1);
        } finally {
          child.kill('SIGKILL');
        }
        const fatal = output
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { level: string; context?: string; message: string })
          .filter((record) => record.level === 'fatal');
        expect(fatal).toEqual([
          expect.objectContaining({
            context: 'Process',
            message: expect.stringMatching(new RegExp(`^${what}\n.*Error: `, 's')),
          }),
        ]);
        expect(mails).toHaveLength(index + 1);
        expect(mails[index]).toMatchObject({
          to: ['ops@example.com'],
          subject: `[Velvet] FATAL: ${what}`,
          text: expect.stringContaining(`[FATAL] Process ×1`),
        });
      }
    } finally {
      resend.close();
      await dropTestDatabase(database.name);
    }
  }, 90_000);
});
