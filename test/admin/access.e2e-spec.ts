import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { RELAXED_AUTH_ENV } from '../support/auth.js';
import { type AppRoute, controllerRoutes } from '../support/routes.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

type Route = Pick<AppRoute, 'method' | 'path'>;

/** Every route the app registered under /api/admin, from the controllers' own metadata. */
const adminRoutes = (t: TestApp): Route[] =>
  controllerRoutes(t.app)
    .filter((route) => route.path === '/api/admin' || route.path.startsWith('/api/admin/'))
    .map(({ method, path }) => ({ method, path }));

/** Parameters filled with plausible but non-existent values: ids get a fresh UUID. */
const concrete = (path: string) =>
  path.replace(/:(\w+)/g, (_, name: string) => (/id$/i.test(name) ? randomUUID() : 'nope'));

describe('admin access', () => {
  let t: TestApp;
  let routes: Route[];
  let callers: Record<'free' | 'premium' | 'admin', TestUser>;

  beforeAll(async () => {
    t = await createTestApp({ env: RELAXED_AUTH_ENV });
    routes = adminRoutes(t);
    const [free, premium, admin] = await Promise.all([
      createUser(t),
      createUser(t, { tier: 'premium' }),
      createUser(t, { role: 'admin' }),
    ]);
    callers = { free, premium, admin };
  });

  afterAll(async () => {
    await t?.close();
  });

  it('finds every admin route of the app', () => {
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/admin/prompts',
        'PUT /api/admin/prompts/:key/:lang',
        'DELETE /api/admin/prompts/:key/:lang',
        'GET /api/admin/settings',
        'PUT /api/admin/settings/:key',
        'GET /api/admin/provider-status',
        'GET /api/admin/memory-status',
        'GET /api/admin/reports',
        'PUT /api/admin/reports/:id',
        'GET /api/admin/users',
        'PUT /api/admin/users/:id',
        'GET /api/admin/audit',
        'GET /api/admin/jobs',
        'POST /api/admin/jobs/:id/retry',
        'GET /api/admin/bans',
        'DELETE /api/admin/bans/:id',
        'GET /api/admin/moderation/queue',
        'POST /api/admin/moderation/:kind/:id/decision',
      ]),
    );
  });

  const call = (route: Route, caller?: TestUser) => {
    const method = route.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete' | 'patch';
    const request = t.http[method](concrete(route.path));
    if (caller) request.set(caller.auth);
    return ['GET', 'DELETE'].includes(route.method) ? request : request.send({});
  };

  it('answers 401 without a token, 403 to free and premium users, and serves admins', async () => {
    const outcomes: string[] = [];
    for (const route of routes) {
      const label = `${route.method} ${route.path}`;
      const anonymous = await call(route);
      const free = await call(route, callers.free);
      const premium = await call(route, callers.premium);
      const admin = await call(route, callers.admin);
      outcomes.push(
        `${label}: ${anonymous.status} ${free.status} ${premium.status} ${
          // Fake ids and keys may be refused (400, 404), but never as an access problem.
          admin.status < 400 || ([400, 404].includes(admin.status) && admin.body.message)
            ? 'ok'
            : `admin ${admin.status} ${JSON.stringify(admin.body)}`
        }`,
      );
    }
    expect(outcomes).toEqual(
      routes.map((route) => `${route.method} ${route.path}: 401 403 403 ok`),
    );
    expect(t.errorLogs()).toEqual([]);
  });

  it('takes the admin role from the database on every request, not from the token', async () => {
    const promoted = await createUser(t);
    await t.http.get('/api/admin/settings').set(promoted.auth).expect(403);
    await t.dataSource.query(`UPDATE app_user SET role = 'admin', tier = 'admin' WHERE id = $1`, [
      promoted.id,
    ]);
    await rowCachesCaughtUp(t);
    await t.http.get('/api/admin/settings').set(promoted.auth).expect(200);
    await t.dataSource.query(`UPDATE app_user SET role = 'user', tier = 'free' WHERE id = $1`, [
      promoted.id,
    ]);
    await rowCachesCaughtUp(t);
    await t.http.get('/api/admin/settings').set(promoted.auth).expect(403);
  });

  it('documents every admin endpoint in OpenAPI with a summary, its response and error shapes', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    const paths = Object.keys(body.paths).filter((path) => path.startsWith('/api/admin'));
    const documented = paths.flatMap((path) =>
      Object.keys(body.paths[path]).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
      ),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const path of paths) {
      for (const [method, operation] of Object.entries(body.paths[path]) as Array<
        [string, { summary?: string; tags?: string[]; responses: Record<string, unknown> }]
      >) {
        const codes = Object.keys(operation.responses);
        expect({
          path,
          method,
          summary: typeof operation.summary,
          success: codes.some((code) => /^2\d\d$/.test(code)),
          codes,
        }).toEqual({
          path,
          method,
          summary: 'string',
          success: true,
          codes: expect.arrayContaining(['401', '403']),
        });
        expect({ path, tags: operation.tags }).toEqual({ path, tags: ['admin'] });
      }
    }
  });
});
