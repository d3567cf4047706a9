import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RELAXED_AUTH_ENV } from '../support/auth.js';
import { documentedPaths } from '../support/openapi.js';
import { controllerRoutes } from '../support/routes.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Every handler of every controller the app registered, with its access rule. */
const routes = (t: TestApp) =>
  controllerRoutes(t.app).map((route) => ({
    route: `${route.method} ${route.handler}`,
    access: route.access,
  }));

describe('access rules', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: RELAXED_AUTH_ENV });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('finds the routes of the app', () => {
    expect(routes(t).map((r) => r.route)).toEqual(
      expect.arrayContaining(['GET HealthController.liveness', 'POST AuthController.login']),
    );
  });

  it('has every route declare who may call it', () => {
    const undeclared = routes(t)
      .filter((r) => !['public', 'guest', 'user', 'admin'].includes(r.access as string))
      .map((r) => r.route);
    expect(undeclared).toEqual([]);
  });

  it('documents every auth endpoint in OpenAPI with a summary and error shapes', async () => {
    const { body } = await t.http.get('/api/docs-json').expect(200);
    expect(documentedPaths(body, '/api/auth', 'auth')).toEqual([
      '/api/auth/challenge',
      '/api/auth/forgot-password',
      '/api/auth/google',
      '/api/auth/google/callback',
      '/api/auth/google/start',
      '/api/auth/login',
      '/api/auth/me',
      '/api/auth/me/confirm-adult',
      '/api/auth/register',
      '/api/auth/reset-password',
      '/api/auth/verify-email',
      '/api/auth/verify-email/resend',
    ]);
    expect(body.components.schemas.UserResponseDto.properties).not.toHaveProperty('password_hash');
  });
});
