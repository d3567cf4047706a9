import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { ACCESS_KEY } from '../../src/common/auth/access.decorators.js';
import { RELAXED_AUTH_ENV } from '../support/auth.js';
import { documentedPaths } from '../support/openapi.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

interface Route {
  route: string;
  access: unknown;
}

/** Every handler of every controller the app registered, with its access rule. */
function routes(t: TestApp): Route[] {
  const scanner = new MetadataScanner();
  const found: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const prototype = metatype.prototype as Record<string, Function>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        found.push({
          route: `${method} ${metatype.name}.${name}`,
          access:
            Reflect.getMetadata(ACCESS_KEY, handler) ?? Reflect.getMetadata(ACCESS_KEY, metatype),
        });
      }
    }
  }
  return found;
}

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
      '/api/auth/login',
      '/api/auth/me',
      '/api/auth/me/confirm-adult',
      '/api/auth/register',
      '/api/auth/reset-password',
    ]);
    expect(body.components.schemas.UserResponseDto.properties).not.toHaveProperty('password_hash');
  });
});
