/** Every route the running app answers, read from the app itself (for access and fuzz tests). */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ACCESS_KEY, MIN_TIER_KEY } from '../../src/common/auth/access.decorators.js';

export interface AppRoute {
  /** `GET /api/chats/:id` */
  key: string;
  method: string;
  /** Express-style, with the global prefix: `/api/chats/:id`. */
  path: string;
  /** `ChatController.get`; undefined for routes mounted on Express directly (Swagger UI). */
  handler?: string;
  /** The access level declared on the handler, else on its controller (`ACCESS_KEY`). */
  access?: unknown;
  /** `@MinTier()` on the handler, else on its controller (`MIN_TIER_KEY`). */
  minTier?: unknown;
}

const GLOBAL_PREFIX = 'api';

const join = (...parts: string[]) =>
  '/' +
  parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');

const pathsOf = (metadata: unknown): string[] =>
  (Array.isArray(metadata) ? metadata : [metadata]).map(String);

/** Every handler of every controller, from the controllers' own metadata. */
export function controllerRoutes(app: NestExpressApplication): AppRoute[] {
  const scanner = new MetadataScanner();
  const found: AppRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const bases = pathsOf(Reflect.getMetadata(PATH_METADATA, metatype) ?? '/');
      const prototype = metatype.prototype as Record<string, Function>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const own = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
        if (own === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const read = (key: string): unknown =>
          Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, metatype);
        for (const base of bases) {
          for (const path of pathsOf(own)) {
            const full = join(GLOBAL_PREFIX, base, path);
            found.push({
              key: `${method} ${full}`,
              method,
              path: full,
              handler: `${metatype.name}.${name}`,
              access: read(ACCESS_KEY),
              minTier: read(MIN_TIER_KEY),
            });
          }
        }
      }
    }
  }
  return found;
}

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/**
 * The routes on the Express router itself (Nest's and any mounted outside Nest, such as
 * Swagger's). Mounted middleware (static files, Nest's catch-all 404 router) is not a route.
 */
export function expressRoutes(
  app: NestExpressApplication,
): Array<{ method: string; path: string }> {
  const express = app.getHttpAdapter().getInstance() as {
    router?: { stack: ExpressLayer[] };
    _router?: { stack: ExpressLayer[] };
  };
  const stack = (express.router ?? express._router)?.stack ?? [];
  return stack.flatMap(({ route }) =>
    route
      ? pathsOf(route.path).flatMap((path) =>
          Object.keys(route.methods)
            .filter((method) => route.methods[method])
            .map((method) => ({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path })),
        )
      : [],
  );
}

/**
 * Every route the app answers: the Express routes, each with its controller's access metadata
 * when a controller serves it, plus any controller route Express somehow lacks. Sorted by key.
 */
export function appRoutes(app: NestExpressApplication): AppRoute[] {
  const byKey = new Map<string, AppRoute>();
  for (const route of controllerRoutes(app)) byKey.set(route.key, route);
  for (const { method, path } of expressRoutes(app)) {
    const key = `${method} ${path}`;
    if (!byKey.has(key)) byKey.set(key, { key, method, path });
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}
