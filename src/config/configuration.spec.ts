import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration } from './configuration.js';
import { Environment } from './environment.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'config-spec-'));

describe('loadConfiguration', () => {
  it('applies documented defaults', () => {
    const config = loadConfiguration({ DATA_DIR: dataDir() });
    expect(config.http.port).toBe(3000);
    expect(config.http.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.database).toMatchObject({
      url: undefined,
      poolSize: 10,
      statementTimeoutMs: 5000,
    });
    expect(config.log.format).toBe('text');
    expect(config.http.corsOrigins).toEqual(['http://localhost:5173']);
  });

  it.each(['postgres://u:p@db:5432/app', 'postgresql://u@localhost/app?sslmode=disable'])(
    'accepts DATABASE_URL %s',
    (url) => {
      expect(loadConfiguration({ DATA_DIR: dataDir(), DATABASE_URL: url }).database.url).toBe(url);
    },
  );

  it.each([
    [
      { DATABASE_URL: 'mysql://root@db/app' },
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
    ],
    [{ PORT: 'eighty' }, 'PORT must be an integer number'],
    [{ PORT: '70000' }, 'PORT must not be greater than 65535'],
    [
      { TRUST_PROXY: 'perhaps' },
      'TRUST_PROXY "perhaps" must be false, a number of proxies (1, 2, …) or a comma-separated list',
    ],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of the following values'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters'],
    [
      { NODE_ENV: 'production', FRONTEND_URL: 'https://example.com' },
      'JWT_SECRET is required when NODE_ENV=production',
    ],
    [
      { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) },
      'FRONTEND_URL is required when NODE_ENV=production',
    ],
    [
      {
        NODE_ENV: 'production',
        FRONTEND_URL: 'https://example.com',
        JWT_SECRET: 'change-me-change-me-change-me-change-me',
      },
      'JWT_SECRET is a placeholder; set a random secret',
    ],
    [
      {
        NODE_ENV: 'production',
        FRONTEND_URL: 'https://example.com',
        JWT_SECRET: `prefix-CHANGEME-${'x'.repeat(32)}`,
      },
      'JWT_SECRET is a placeholder; set a random secret',
    ],
  ])('stops on %j with one line naming the variable', (env, message) => {
    expect(() => loadConfiguration({ DATA_DIR: dataDir(), ...env })).toThrow(message);
  });

  it('generates a JWT secret once outside production and keeps it under the data dir', () => {
    const dir = dataDir();
    const first = loadConfiguration({ DATA_DIR: dir }).auth.jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    expect(loadConfiguration({ DATA_DIR: dir }).auth.jwtSecret).toBe(first);
  });

  it('accepts a placeholder JWT secret outside production only', () => {
    const secret = 'change-me-change-me-change-me-change-me';
    expect(loadConfiguration({ DATA_DIR: dataDir(), JWT_SECRET: secret }).auth.jwtSecret).toBe(
      secret,
    );
  });

  it("turns TRUST_PROXY into a hop count or an address list, never Express's `true`", () => {
    const load = (value?: string) => loadConfiguration({ DATA_DIR: dataDir(), TRUST_PROXY: value });
    expect(load().http.trustProxy).toBe(false);
    expect(load('2').http.trustProxy).toBe(2);
    expect(load('loopback, 10.0.0.0/8').http.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    const legacy = load('true');
    expect(legacy.http.trustProxy).toBe(1);
    expect(legacy.warnings).toEqual([expect.stringContaining('TRUST_PROXY=true is deprecated')]);
    expect(load('1').warnings).toEqual([]);
  });

  it('sends images to the moderation provider only with MODERATION_IMAGES and a provider', () => {
    const load = (env: Record<string, string>) =>
      loadConfiguration({ DATA_DIR: dataDir(), ...env });
    const provider = { MODERATION_PROVIDER_URL: 'https://api.openai.com/v1' };
    expect(load(provider).moderation.images).toBe(false);
    expect(load({ ...provider, MODERATION_IMAGES: 'true' }).moderation.images).toBe(true);
    const alone = load({ MODERATION_IMAGES: 'true' });
    expect(alone.moderation.images).toBe(false);
    expect(alone.warnings).toEqual([expect.stringContaining('every image passes')]);
    expect(() => load({ MODERATION_IMAGES: 'maybe' })).toThrow(/MODERATION_IMAGES/);
  });

  it('uses JSON logs in production and lower-cases admin emails', () => {
    const config = loadConfiguration({
      DATA_DIR: dataDir(),
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      FRONTEND_URL: 'https://example.com',
      ADMIN_EMAILS: ' Boss@Example.com, ops@example.com ,',
    });
    expect(config.log.format).toBe('json');
    expect(config.warnings).toEqual([
      expect.stringContaining('DATABASE_URL is unset in production'),
    ]);
    expect(config.auth.adminEmails).toEqual(['boss@example.com', 'ops@example.com']);
  });

  it("treats every empty variable as unset (`VAR=` in .env, Compose's `${VAR:-}`)", () => {
    const empty = Object.fromEntries(
      Object.keys(new Environment()).map((name) => [name, name === 'DATA_DIR' ? dataDir() : '']),
    );
    expect(loadConfiguration(empty)).toEqual(loadConfiguration({ DATA_DIR: empty.DATA_DIR }));
  });
});
