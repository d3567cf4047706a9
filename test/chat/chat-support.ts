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
