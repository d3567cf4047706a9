/** Helpers of the chat e2e tests: a streaming SSE client, characters, chats, env. */
import { randomUUID } from 'node:crypto';
import { providerEnv } from '../llm/llm-test-support.js';
import type { FakeLlm, FakeReply, RecordedRequest } from '../support/fake-llm.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/users.js';

export interface ReplyEvent {
  type: 'token' | 'done' | 'error';
  content?: string;
  message_id?: number | null;
  user_message_id?: number;
  anon_messages_left?: number;
  stopped?: boolean;
  message?: string;
}

export interface StreamResponse {
  status: number;
  headers: Headers;
  /** The JSON body when the answer is not a stream (errors). */
  body?: { message: string; [key: string]: unknown };
  /** The next event; undefined once the stream has ended. */
  next(): Promise<ReplyEvent | undefined>;
  /** Every event until the stream ends. */
  rest(): Promise<ReplyEvent[]>;
  /** Drops the connection (a client going away). */
  close(): void;
}

const eventIds = new WeakMap<ReplyEvent, string>();

/** The `id:` line an event of `stream` came with, if any. */
export const eventIdOf = (event: ReplyEvent): string | undefined => eventIds.get(event);

/** Requests `path` on `baseUrl` and reads the answer as server-sent events as they arrive. */
export async function stream(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<StreamResponse> {
  const controller = new AbortController();
  const method = options.method ?? 'POST';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    // A GET sends only what it is given, as a browser's EventSource does.
    headers: {
      ...(method === 'GET' ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: controller.signal,
  });
  const close = () => controller.abort();
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? JSON.parse(text) : undefined,
      next: async () => undefined,
      rest: async () => [],
      close,
    };
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const queue: ReplyEvent[] = [];
  let buffer = '';
  let ended = false;
  const next = async (): Promise<ReplyEvent | undefined> => {
    while (queue.length === 0 && !ended) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) {
        ended = true;
        break;
      }
      buffer += chunk.value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id: string | undefined;
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          if (!line.startsWith('data: ')) continue;
          const event = JSON.parse(line.slice(6)) as ReplyEvent;
          if (id !== undefined) eventIds.set(event, id);
          queue.push(event);
        }
      }
    }
    return queue.shift();
  };
  const rest = async () => {
    const events: ReplyEvent[] = [];
    for (let event = await next(); event; event = await next()) events.push(event);
    return events;
  };
  return { status: res.status, headers: res.headers, next, rest, close };
}

/** The text of the token events, and the final event. */
export function replyOf(events: ReplyEvent[]): { text: string; last: ReplyEvent | undefined } {
  return {
    text: events
      .filter((event) => event.type === 'token')
      .map((event) => event.content)
      .join(''),
    last: events[events.length - 1],
  };
}

/**
 * The app talks to the fake upstream as OpenAI (paid: users, by the default cost mode) and as
 * Groq (free: guests); `providerOf` tells which one asked.
 */
export const llmEnv = (fake: FakeLlm): Record<string, string> => ({
  ...providerEnv(fake.baseURL, ['openai', 'groq']),
  LLM_PROVIDER_ORDER: 'openai,groq',
});

/** Fails every completion until the returned function is called. */
export function failAll(fake: FakeLlm, reply: FakeReply): () => void {
  let failing = true;
  fake.onRequest(() => (failing ? reply : undefined));
  return () => {
    failing = false;
  };
}

/** The reply ceiling a request asked for (OpenAI names it max_completion_tokens). */
export const maxTokensOf = (request: RecordedRequest): unknown =>
  request.body?.max_tokens ?? request.body?.max_completion_tokens;

export const guest = (session: string = randomUUID()) => ({ 'X-Anon-Session': session });

export interface CharacterFields {
  name?: string;
  greeting?: string;
  content_rating?: 'sfw' | 'nsfw';
  max_tokens?: number;
  tags?: string[];
}

/** A public character (inserted directly: publishing needs an avatar upload). */
export async function publicCharacter(
  t: Pick<TestApp, 'dataSource'>,
  owner: Pick<TestUser, 'id'>,
  fields: CharacterFields = {},
): Promise<{ id: string; slug: string }> {
  const slug = `char-${randomUUID().slice(0, 8)}`;
  const [row] = await t.dataSource.query<Array<{ id: string }>>(
    `INSERT INTO character (slug, owner_id, name, description, personality, greeting, is_public,
                            avatar_url, content_rating, max_tokens, tags, languages)
     VALUES ($1, $2, $3, 'A lighthouse keeper.', 'gruff, kind', $4, true, '/api/avatars/x.png',
             $5, $6, $7, '{en}')
     RETURNING id`,
    [
      slug,
      owner.id,
      fields.name ?? 'Mira',
      fields.greeting ?? 'Mira looks up. "Storm coming, {{user}}."',
      fields.content_rating ?? 'sfw',
      fields.max_tokens ?? 2048,
      fields.tags ?? [],
    ],
  );
  return { id: row.id, slug };
}

/** Opens a new chat with the character and returns its id. */
export async function openChat(
  t: TestApp,
  who: Record<string, string>,
  characterId: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.http
    .post('/api/chats')
    .set(who)
    .send({ character_id: characterId, force_new: true, ...extra });
  if (res.status !== 201) throw new Error(`open chat: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Sends a message and reads the whole reply. */
export async function send(
  t: TestApp,
  who: Record<string, string>,
  chatId: string,
  body: Record<string, unknown> = { content: 'Hello there' },
): Promise<{ status: number; events: ReplyEvent[]; body?: StreamResponse['body'] }> {
  const res = await stream(t.url, `/api/chats/${chatId}/message`, { headers: who, body });
  return { status: res.status, events: await res.rest(), body: res.body };
}

export async function messagesOf(
  t: Pick<TestApp, 'dataSource'>,
  chatId: string,
): Promise<Array<Record<string, unknown> & { role: string; content: string; status: string }>> {
  // The story as the chat shows it: the active path, from its first message to its leaf.
  return t.dataSource.query(
    `WITH RECURSIVE path AS (
       SELECT m.* FROM message m JOIN chat c ON m.id = c.leaf_id WHERE c.id = $1
       UNION ALL
       SELECT m.* FROM path p JOIN message m ON m.id = p.parent_id)
     SELECT id::int, role, content, status, model_used, prompt_tokens, completion_tokens
     FROM path ORDER BY id`,
    [chatId],
  );
}

/** Resolves once `check` holds (polling), for state another process or a background task sets. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What breaks the invariants of a chat's message tree (none: []): every parent in the same
 * chat with a smaller id, depth = parent's + 1 (1 for an opening), active children are
 * children, the leaf's ancestors name the path to it as their active child and it has none,
 * and message_count is the leaf's depth.
 */
export async function treeProblems(
  t: Pick<TestApp, 'dataSource'>,
  chatId: string,
): Promise<string[]> {
  const rows = await t.dataSource.query<
    Array<{
      id: number;
      chat_id: string;
      parent_id: number | null;
      active_child_id: number | null;
      depth: number;
    }>
  >(
    `SELECT id::int, chat_id, parent_id::int, active_child_id::int, depth FROM message
     WHERE chat_id = $1 OR id IN (SELECT parent_id FROM message WHERE chat_id = $1)
     ORDER BY id`,
    [chatId],
  );
  const [chat] = await t.dataSource.query<Array<{ leaf_id: number | null; message_count: number }>>(
    `SELECT leaf_id::int, message_count FROM chat WHERE id = $1`,
    [chatId],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const problems: string[] = [];
  for (const message of rows) {
    if (message.chat_id !== chatId) problems.push(`${message.id}: a parent in another chat`);
    if (message.parent_id === null) {
      if (message.depth !== 1) problems.push(`${message.id}: an opening at depth ${message.depth}`);
      continue;
    }
    const parent = byId.get(message.parent_id);
    if (!parent) problems.push(`${message.id}: parent ${message.parent_id} missing`);
    else if (parent.id >= message.id) problems.push(`${message.id}: parent ${parent.id} not older`);
    else if (message.depth !== parent.depth + 1) {
      problems.push(`${message.id}: depth ${message.depth} under ${parent.depth}`);
    }
  }
  for (const message of rows) {
    const child = message.active_child_id === null ? null : byId.get(message.active_child_id);
    if (message.active_child_id !== null && child?.parent_id !== message.id) {
      problems.push(`${message.id}: active child ${message.active_child_id} not its child`);
    }
  }
  const leaf = chat.leaf_id === null ? undefined : byId.get(chat.leaf_id);
  if (!leaf) problems.push(`leaf ${chat.leaf_id} not a message of the chat`);
  else {
    if (leaf.active_child_id !== null) problems.push(`leaf ${leaf.id} has an active child`);
    if (chat.message_count !== leaf.depth) {
      problems.push(`message_count ${chat.message_count}, leaf depth ${leaf.depth}`);
    }
    for (let node = leaf; node.parent_id !== null;) {
      const parent = byId.get(node.parent_id);
      if (!parent) break;
      if (parent.active_child_id !== node.id) {
        problems.push(
          `${parent.id}: active child ${parent.active_child_id}, path goes to ${node.id}`,
        );
      }
      node = parent;
    }
  }
  return problems;
}
