import { expect } from '@jest/globals';

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
