import { expect } from '@jest/globals';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ErrorResponseDto } from '../../src/common/http/error-response.dto.js';

type Operation = { summary?: string; tags?: string[]; responses: Record<string, unknown> };
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

/**
 * The documented paths under `prefix`, after checking that each of their operations has a
 * summary, carries `tag`, and documents at least one error response.
 */
export function documentedPaths(doc: OpenApiDocument, prefix: string, tag: string): string[] {
  const paths = Object.keys(doc.paths).filter((path) => path.startsWith(prefix));
  for (const path of paths) {
    for (const [method, operation] of Object.entries(doc.paths[path])) {
      expect({ path, method, summary: typeof operation.summary }).toEqual({
        path,
        method,
        summary: 'string',
      });
      expect({ path, method, tags: operation.tags }).toEqual({
        path,
        method,
        tags: expect.arrayContaining([tag]),
      });
      const errors = Object.keys(operation.responses).filter((code) => Number(code) >= 400);
      expect({ path, method, errors: errors.length > 0 }).toEqual({ path, method, errors: true });
    }
  }
  return paths.sort();
}

/** @nestjs/swagger's metadata keys (its DECORATORS constant, which the package does not export). */
const DECORATORS = {
  API_RESPONSE: 'swagger/apiResponse',
  API_MODEL_PROPERTIES: 'swagger/apiModelProperties',
  API_MODEL_PROPERTIES_ARRAY: 'swagger/apiModelPropertiesArray',
  API_EXTRA_MODELS: 'swagger/apiExtraModels',
  API_SCHEMA: 'swagger/apiSchema',
} as const;

/**
 * Every class the OpenAPI document is built from, by schema name: response types, bodies,
 * queries and extra models of every route, and the classes their properties name, walked
 * from the app's own metadata. @nestjs/swagger keys schemas by class name and keeps one of
 * two same-named classes silently, so a name mapping to more than one class is a collision.
 */
export function swaggerModelClasses(app: NestExpressApplication): Map<string, Set<Function>> {
  const found = new Map<string, Set<Function>>();
  const seen = new Set<Function>();
  const isModel = (value: unknown): value is Function =>
    typeof value === 'function' &&
    Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, value.prototype ?? {}) !== undefined;

  const visitType = (type: unknown): void => {
    if (Array.isArray(type)) return type.forEach(visitType);
    if (isModel(type)) return visitModel(type);
    // A lazy type (`type: () => Dto`): arrow functions have no prototype, classes do.
    if (typeof type === 'function' && type.prototype === undefined) visitType(type());
  };

  const visitModel = (model: Function): void => {
    if (seen.has(model)) return;
    seen.add(model);
    const schema = Reflect.getMetadata(DECORATORS.API_SCHEMA, model) as
      Array<{ name?: string }> | { name?: string } | undefined;
    const name = (Array.isArray(schema) ? schema[0]?.name : schema?.name) ?? model.name;
    found.set(name, (found.get(name) ?? new Set()).add(model));
    const properties = Reflect.getMetadata(
      DECORATORS.API_MODEL_PROPERTIES_ARRAY,
      model.prototype,
    ) as string[];
    for (const key of properties.map((property) => property.replace(/^:/, ''))) {
      const options = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, model.prototype, key) ??
        {}) as { type?: unknown; items?: { type?: unknown } };
      visitType(options.type);
      visitType(options.items?.type);
      visitType(Reflect.getMetadata('design:type', model.prototype, key));
    }
  };

  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      visitType(Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, metatype));
      const prototype = metatype.prototype as Record<string, Function>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const responses = (Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) ??
          Reflect.getMetadata(DECORATORS.API_RESPONSE, metatype) ??
          {}) as Record<string, { type?: unknown }>;
        for (const response of Object.values(responses)) visitType(response.type);
        visitType(Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, handler));
        visitType(Reflect.getMetadata('design:paramtypes', prototype, name));
      }
    }
  }
  // Registered by createApp for every error response.
  visitType(ErrorResponseDto);
  return found;
}
