import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/**
 * Walks the app's own OpenAPI document and sends every operation hostile input: wrong types,
 * missing and extra fields, empty, huge and unicode-edge strings, negative and huge numbers,
 * malformed JSON, wrong content types, and path params that are neither UUIDs nor slugs.
 * Whatever comes back must be a 2xx-4xx with the error shape — never a 5xx, never an
 * error-level log line.
 */

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  format?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
};
interface Operation {
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header'; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema?: Schema }> };
}
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const HOSTILE_STRINGS = [
  '',
  ' ',
  'x'.repeat(100_000),
  "' OR 1=1; DROP TABLE app_user; --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '\u0000nul',
  '\ud800',
  '\u202Eevil',
  '𝕏🏳️‍🌈',
  '${jndi:ldap://x}',
  '{{7*7}}',
];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  -1e308,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  -2147483649,
  2147483648,
  'NaN',
  'Infinity',
  '1e1000',
  '0x10',
  '\t\n',
  '\u200b',
  'ＡＢＣ',
  [],
  [1, 2],
  {},
  { nested: { deep: ['x'] } },
  ...HOSTILE_STRINGS,
];
const PATH_VALUES = [
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '123',
  '-1',
  '..%2F..%2Fetc%2Fpasswd',
  "'%20OR%201=1--",
  '%3Cscript%3E',
  'x'.repeat(3000),
  '%F0%9D%95%8F',
  'null',
];
const QUERY_VALUES = [
  'abc',
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  '',
  '<b>',
  "' OR 1=1--",
  'x'.repeat(5000),
  'true',
];

function resolve(schema: Schema | undefined, doc: OpenApi): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!], doc);
  if (schema.allOf) {
    return schema.allOf.reduce<Schema>(
      (merged, part) => {
        const resolved = resolve(part, doc);
        return {
          ...merged,
          ...resolved,
          properties: { ...merged.properties, ...resolved.properties },
        };
      },
      { type: 'object', properties: {} },
    );
  }
  return schema;
}

/** A plausible value for a schema, so one bad field at a time reaches deep validation. */
function plausible(schema: Schema, doc: OpenApi): unknown {
  const resolved = resolve(schema, doc);
  if (resolved.enum) return resolved.enum[0];
  switch (resolved.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return Object.fromEntries(
        Object.entries(resolved.properties ?? {}).map(([key, value]) => [
          key,
          plausible(value, doc),
        ]),
      );
    default:
      return resolved.format === 'uuid' ? '00000000-0000-0000-0000-000000000000' : 'text';
  }
}

interface Probe {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  raw?: { contentType: string; payload: string };
  as: 'anonymous' | 'admin';
}

function probesFor(path: string, method: string, operation: Operation, doc: OpenApi): Probe[] {
  const pathParams = (operation.parameters ?? []).filter((p) => p.in === 'path');
  const queryParams = (operation.parameters ?? []).filter((p) => p.in === 'query');
  const fill = (value: string) =>
    pathParams.reduce((result, param) => result.replace(`{${param.name}}`, value), path);
  const basePath = fill('00000000-0000-0000-0000-000000000000');
  const probes: Probe[] = [];
  const both = (probe: Omit<Probe, 'as'>) => {
    probes.push({ ...probe, as: 'admin' }, { ...probe, as: 'anonymous' });
  };

  if (pathParams.length > 0) for (const value of PATH_VALUES) both({ method, path: fill(value) });
  for (const param of queryParams) {
    for (const value of QUERY_VALUES)
      probes.push({ method, path: basePath, query: { [param.name]: value }, as: 'admin' });
  }
  probes.push({
    method,
    path: basePath,
    query: { unknown_param: 'x', 'page[]': '1' },
    as: 'admin',
  });

  const json = operation.requestBody?.content['application/json'];
  if (json) {
    const schema = resolve(json.schema, doc);
    const valid = plausible(schema, doc) as Record<string, unknown>;
    both({ method, path: basePath, body: {} });
    probes.push({ method, path: basePath, body: { ...valid, unexpected_field: 'x' }, as: 'admin' });
    for (const value of HOSTILE_VALUES)
      probes.push({ method, path: basePath, body: value, as: 'admin' });
    for (const field of Object.keys(schema.properties ?? {})) {
      for (const value of HOSTILE_VALUES) {
        probes.push({ method, path: basePath, body: { ...valid, [field]: value }, as: 'admin' });
      }
    }
    probes.push(
      {
        method,
        path: basePath,
        raw: { contentType: 'application/json', payload: '{"broken": ' },
        as: 'admin',
      },
      {
        method,
        path: basePath,
        raw: { contentType: 'application/json', payload: '[1,2' },
        as: 'admin',
      },
      {
        method,
        path: basePath,
        raw: { contentType: 'text/plain', payload: 'plain words' },
        as: 'admin',
      },
      {
        method,
        path: basePath,
        raw: { contentType: 'application/xml', payload: '<a>1</a>' },
        as: 'admin',
      },
      {
        method,
        path: basePath,
        raw: { contentType: 'application/x-www-form-urlencoded', payload: 'a=1&b[]=2' },
        as: 'admin',
      },
    );
  } else if (['post', 'put', 'patch'].includes(method)) {
    probes.push(
      {
        method,
        path: basePath,
        raw: { contentType: 'application/json', payload: '{"broken": ' },
        as: 'admin',
      },
      {
        method,
        path: basePath,
        raw: { contentType: 'text/plain', payload: 'x'.repeat(10_000) },
        as: 'admin',
      },
    );
  }
  return probes;
}

describe('hostile input against every documented operation', () => {
  let t: TestApp;
  let admin: TestUser;
  let fake: FakeLlm;

  beforeAll(async () => {
    // Every feature configured, so no 5xx is a mere "not configured": a model that answers
    // with a valid character draft, and Google sign-in pointed at a port nothing listens on.
    const draft = { name: 'Fuzzy', description: 'A test character', greeting: 'Hi.', tags: 'test' };
    fake = await startFakeLlm({ tokens: [JSON.stringify(draft)] });
    t = await createTestApp({
      env: {
        RATE_LIMIT_SCALE: '0',
        AUTH_BOT_DELAY_MS: '0',
        OPENAI_API_KEY: 'fuzz',
        OPENAI_BASE_URL: fake.baseURL,
        LLM_PROVIDER_ORDER: 'openai',
        GOOGLE_CLIENT_ID: 'fuzz-client',
        GOOGLE_CLIENT_SECRET: 'fuzz-secret',
        GOOGLE_TOKEN_URL: 'http://127.0.0.1:9/token',
        GOOGLE_USERINFO_URL: 'http://127.0.0.1:9/userinfo',
      },
    });
    admin = await createUser(t, { role: 'admin' });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('never answers 5xx and never logs at error level', async () => {
    const doc = (await t.http.get('/api/docs-json').expect(200)).body as OpenApi;
    const probes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        probesFor(path, method, operation, doc),
      ),
    );
    const failures: string[] = [];
    let sent = 0;
    const send = async (probe: Probe) => {
      const url = new URL(probe.path, t.url);
      for (const [key, value] of Object.entries(probe.query ?? {}))
        url.searchParams.set(key, value);
      const headers: Record<string, string> = {};
      if (probe.as === 'admin') headers.Authorization = `Bearer ${admin.token}`;
      let body: string | undefined;
      if (probe.raw) {
        headers['Content-Type'] = probe.raw.contentType;
        body = probe.raw.payload;
      } else if (probe.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(probe.body);
      }
      const controller = new AbortController();
      // Streaming endpoints may answer 200 and keep talking: the status is all we need.
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        // Redirects (Google sign-in) are answers too; following them would leave this machine.
        const res = await fetch(url, {
          redirect: 'manual',
          method: probe.method.toUpperCase(),
          headers,
          body,
          signal: controller.signal,
        });
        sent++;
        if (res.status >= 500) {
          failures.push(
            `${probe.method.toUpperCase()} ${url.pathname}${url.search.slice(0, 80)} → ${res.status} ${(await res.text()).slice(0, 200)}`,
          );
        } else {
          await res.body?.cancel();
        }
      } catch (error) {
        failures.push(
          `${probe.method.toUpperCase()} ${url.pathname} → ${(error as Error).message}`,
        );
      } finally {
        clearTimeout(timer);
      }
    };
    const queue = [...probes];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let probe = queue.shift(); probe; probe = queue.shift()) await send(probe);
      }),
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(probes.length);
    expect(t.errorLogs()).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(5000);
  }, 300_000);
});
