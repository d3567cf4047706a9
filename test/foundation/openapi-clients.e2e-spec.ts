import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { swaggerModelClasses } from '../support/openapi.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

type Schema = { $ref?: string; type?: string; items?: Schema; oneOf?: Schema[] };
type OpenApiDocument = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
};

/**
 * What frontends generate clients from: schema names that identify one DTO each, a named
 * schema for every response, Spectral's OpenAPI rules, and types that openapi-typescript turns
 * into a client the TypeScript compiler accepts.
 */
describe('the OpenAPI document, for generated clients', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.http.get('/api/docs-json').expect(200)).body as OpenApiDocument;
    dir = mkdtempSync(join(tmpdir(), 'openapi-clients-'));
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
  });

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives no two DTO classes the same schema name (Swagger would merge them silently)', () => {
    const classes = swaggerModelClasses(t.app);
    const shared = [...classes].filter(([, found]) => found.size > 1).map(([name]) => name);
    expect(shared).toEqual([]);
    // The walk found every schema the document has, so it checked all of them.
    const missed = Object.keys(doc.components.schemas).filter((name) => !classes.has(name));
    expect(missed).toEqual([]);
  });

  it('names the schema of every response body', () => {
    const named = (schema: Schema): boolean =>
      schema.$ref !== undefined ||
      (schema.type === 'array' && named(schema.items ?? {})) ||
      (schema.oneOf !== undefined && schema.oneOf.every(named));
    // JSON and the JSON events of streams; pages, feeds and metrics are text.
    const structured = ['application/json', 'text/event-stream'];
    const inline: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const [type, { schema }] of Object.entries(response.content ?? {})) {
            if (structured.includes(type) && !named(schema))
              inline.push(`${method.toUpperCase()} ${path} ${status} ${type}`);
          }
        }
      }
    }
    expect(inline).toEqual([]);
  });

  it("passes Spectral's spectral:oas ruleset without errors", async () => {
    const { stdout } = await run(
      resolve('node_modules/.bin/spectral'),
      [
        'lint',
        join(dir, 'openapi.json'),
        '--ruleset',
        resolve('.spectral.yaml'),
        '--format',
        'json',
        '--fail-severity',
        'error',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    const results = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
      code: string;
      severity: number;
      path: string[];
      message: string;
    }>;
    const errors = results
      .filter((result) => result.severity === 0)
      .map((result) => `${result.code} ${result.path.join('.')}: ${result.message}`);
    expect(errors).toEqual([]);
  }, 60_000);

  it('generates types with openapi-typescript that type-check a small client', async () => {
    await run(resolve('node_modules/.bin/openapi-typescript'), [
      join(dir, 'openapi.json'),
      '--output',
      join(dir, 'schema.ts'),
    ]);
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    const program = ts.createProgram([join(dir, 'client.ts')], {
      strict: true,
      noEmit: true,
      noUnusedLocals: false,
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
      .map((message, i) => `${i}: ${message}`);
    expect(problems).toEqual([]);
  }, 60_000);
});

/**
 * A frontend's view of the main routes, written against the generated `paths`/`components`.
 * `@ts-expect-error` lines must fail to compile: they catch types that are too loose (the
 * messages page once came out as `{ message: string }[]`).
 */
const CLIENT = `
import type { components, paths } from './schema.js';

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> =
  paths[P][M] extends { responses: { [K in S]: { content: { 'application/json': infer B } } } }
    ? B
    : never;

type Character = Json<'/api/characters/{id}', 'get', 200>;
type Chat = Json<'/api/chats', 'post', 201>;
type ChatList = Json<'/api/chats', 'get', 200>;
type MessagePage = Json<'/api/chats/{id}/messages', 'get', 200>;
type ApiError = components['schemas']['ErrorResponseDto'];
type Stream<P extends keyof paths> = paths[P] extends {
  post: { responses: { 200: { content: { 'text/event-stream': infer E } } } };
}
  ? E
  : never;
type ReplyEvent = Stream<'/api/chats/{id}/message'>;
type GroupEvent = Stream<'/api/group-chats/{id}/message'>;

// A path or status the generated types lack would make its alias never, which type-checks
// anything: each one must resolve.
type Resolved<T> = [T] extends [never] ? 'missing' : 'ok';
export const resolved: Array<'ok'> = [
  'ok' as Resolved<Character>,
  'ok' as Resolved<Chat>,
  'ok' as Resolved<ChatList>,
  'ok' as Resolved<MessagePage>,
  'ok' as Resolved<ReplyEvent>,
  'ok' as Resolved<GroupEvent>,
];

export function characterTitle(character: Character): string {
  const slug: string = character.slug;
  return \`\${character.name} (\${slug})\`;
}

export function chatWith(chat: Chat): string {
  const id: string = chat.id;
  return \`\${id}: \${chat.character.name}\`;
}

export function lastLines(list: ChatList): Array<string | null> {
  return list.items.map((item) => (item.last_message ? item.last_message.content : null));
}

export function transcript(page: MessagePage): string[] {
  const more: boolean = page.has_more;
  // @ts-expect-error a message has content, role and status, not a bare "message"
  page.messages[0].message;
  return page.messages.map((m) => \`\${m.role}: \${m.content} [\${m.status}]\${more ? '…' : ''}\`);
}

export function describeEvent(event: ReplyEvent): string {
  switch (event.type) {
    case 'token': {
      const text: string = event.content;
      return text;
    }
    case 'done': {
      // Null only when a continuation of an opening answered no message of the user.
      const answered: number | null = event.user_message_id;
      // @ts-expect-error a done event carries no text: the union keeps the events apart
      event.content;
      return \`saved as \${event.message_id ?? 'nothing'} after \${answered}\`;
    }
    case 'error': {
      const message: string = event.message;
      return message;
    }
    case 'end': {
      // Group chats: the round is over.
      const answered: number | null = event.user_message_id;
      return \`round over (\${answered ?? 'dropped'})\`;
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function roundEnd(event: GroupEvent): number | null | undefined {
  if (event.type === 'token') {
    const speaker: string = event.character_id;
    return speaker ? undefined : undefined;
  }
  return event.type === 'end' ? event.user_message_id : undefined;
}

export function errorText(error: ApiError): string {
  const status: number = error.status_code;
  return \`\${status} \${error.error}: \${error.message} (request \${error.request_id})\`;
}
`;
