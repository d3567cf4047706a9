/**
 * Fake OpenAI-compatible upstream for e2e tests and benchmarks: a real HTTP server on 127.0.0.1
 * (random port) that streams deterministic chat completions and can inject faults on demand.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Pacing and metadata overrides shared by text replies. */
export interface FakeReplyOptions {
  /**
   * Overrides the reported counts, with values of any type (hostile upstreams); `null` sends
   * no usage at all, as upstreams that ignore `include_usage` do.
   */
  usage?: { [K in keyof FakeUsage]?: unknown } | null;
  /** Overrides the echoed request model. */
  model?: string;
  firstTokenDelayMs?: number;
  tokenIntervalMs?: number;
  /** The last chunk's finish_reason ('stop' by default). */
  finishReason?: string;
  /** Streamed: keep the connection open after the usage chunk, without `[DONE]`. */
  holdOpen?: boolean;
  /**
   * Streamed: the response goes out in writes of this many bytes, one per event-loop turn (a
   * slow network cutting a big event into many reads), instead of one write per event.
   */
  writeBytes?: number;
}

/** `content` is split into word-ish tokens with leading spaces attached (`'Hi there'` -> `['Hi', ' there']`). */
export type FakeTextReply = FakeReplyOptions &
  ({ content: string; tokens?: never } | { tokens: string[]; content?: never });

export type FakeFault =
  /** Error response in OpenAI's `{ error: { message, type, code } }` shape unless `body` is given. */
  | { fault: 'status'; status: number; body?: object; headers?: Record<string, string> }
  /** Accepts the request and never answers, until the client gives up or the server closes. */
  | { fault: 'stall' }
  /** Streams `afterTokens` default tokens, then cuts the connection without `[DONE]`. */
  | { fault: 'drop'; afterTokens: number };

export type FakeReply = FakeTextReply | FakeFault;

/**
 * A /v1/moderations answer: OpenAI category scores (`'sexual/minors'`, `'violence/graphic'`,
 * …; the rest 0), the same for every input or per input; or a fault (`stall` never answers).
 */
export type FakeModerationReply =
  { scores: ModerationScores | ((input: string) => ModerationScores) } | FakeFault;

type ModerationScores = Partial<Record<string, number>>;

export type ModerationMatcher = (
  inputs: string[],
  req: RecordedRequest,
) => FakeModerationReply | undefined;

/**
 * A /v1/embeddings answer: one vector for every input, or one per input from a function of
 * it; or a fault (`stall` never answers).
 */
export type FakeEmbeddingReply = { vector: number[] | ((input: string) => number[]) } | FakeFault;

export type EmbeddingMatcher = (
  inputs: string[],
  req: RecordedRequest,
) => FakeEmbeddingReply | undefined;

export type RandomFaultKind = 'status429' | 'status500' | 'status503' | 'drop' | 'stall';

export interface RandomFaultOptions {
  /** Probability (0..1) that a chat completion without a scripted reply faults. */
  rate: number;
  kinds: RandomFaultKind[];
  /** Makes the fault sequence reproducible across runs. */
  seed?: number;
}

/** Parsed JSON request body; typed loosely because tests inspect whatever the client sent. */
export interface FakeRequestBody {
  model?: string;
  messages?: { role: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Undefined when the body is empty or not a JSON object. */
  body: FakeRequestBody | undefined;
  /** `Date.now()` when the body was fully received. */
  time: number;
}

export type RequestMatcher = (req: RecordedRequest) => FakeReply | undefined;

export interface FakeModel {
  id: string;
  created?: number;
  owned_by?: string;
  /** Together AI's model kind: 'chat', 'language', 'image', ... */
  type?: string;
  [key: string]: unknown;
}

export interface SetModelsOptions {
  /** Answer `/models` with a bare array, as Together AI does, instead of `{ object, data }`. */
  bareArray?: boolean;
  /** Send the headers and half of the list, then nothing more (a stalled upstream). */
  stallBody?: boolean;
}

export interface FakeLlmOptions {
  /** Default reply tokens; takes precedence over `tokenCount`. */
  tokens?: string[];
  /** Default reply of `tokenCount` tokens: `' tok1'`, `' tok2'`, ... */
  tokenCount?: number;
  /** Delay before the first content token (the role chunk is sent immediately). Default 0. */
  firstTokenDelayMs?: number;
  /** Delay between content tokens. Default 0. */
  tokenIntervalMs?: number;
  models?: FakeModel[];
}

export interface FakeLlm {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `${url}/v1`, the SDK's `baseURL`. */
  readonly baseURL: string;
  /** Every request in arrival order, including faulted ones. */
  readonly requests: RecordedRequest[];
  /** Requests whose client closed the connection before the response finished. */
  readonly abortedCount: number;
  /** Queues replies consumed one per chat completion (FIFO) before falling back to the default. */
  script(...replies: FakeReply[]): void;
  /** Registers a matcher consulted before the script queue; the first defined reply wins. */
  onRequest(matcher: RequestMatcher): void;
  setRandomFaults(options: RandomFaultOptions | undefined): void;
  setModels(models: FakeModel[], options?: SetModelsOptions): void;
  /**
   * Registers a matcher for /v1/moderations (first defined answer wins); without one, every
   * input scores 0.
   */
  onModeration(matcher: ModerationMatcher): void;
  /**
   * Registers a matcher for /v1/embeddings (first defined answer wins); without one, each
   * input gets `fakeEmbedding(input)`.
   */
  onEmbedding(matcher: EmbeddingMatcher): void;
  /** Resolves with the recorded requests once at least `n` have arrived. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Resolves once `abortedCount` reaches `n` (aborts are observed asynchronously). */
  waitForAborted(n: number, timeoutMs?: number): Promise<void>;
  /** Clears script, matchers, random faults, recorded requests, abort count and custom models. */
  reset(): void;
  /** Stops listening and destroys open sockets (stalled and keep-alive ones) so Jest can exit. */
  close(): Promise<void>;
}

export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const fake = new FakeLlmServer(options);
  await fake.listen();
  return fake;
}

const DEFAULT_TOKENS = ['Hello', ' from', ' the', ' fake', ' model', '.'];
const DEFAULT_MODELS: FakeModel[] = [
  { id: 'fake-model' },
  { id: 'fake-model-mini' },
  { id: 'fake-model-large' },
];
/** The categories OpenAI's moderation endpoint scores. */
const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
];
// Fixed so model listings are deterministic.
const MODEL_CREATED = 1_700_000_000;
const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  402: { type: 'insufficient_quota', code: 'insufficient_quota' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

class FakeLlmServer implements FakeLlm {
  url = '';
  baseURL = '';
  readonly requests: RecordedRequest[] = [];
  private aborted = 0;
  private readonly server: Server;
  private readonly defaultTokens: string[];
  private queue: FakeReply[] = [];
  private matchers: RequestMatcher[] = [];
  private moderationMatchers: ModerationMatcher[] = [];
  private embeddingMatchers: EmbeddingMatcher[] = [];
  private randomFaults?: { options: RandomFaultOptions; random: () => number };
  private models: FakeModel[];
  private modelsBareArray = false;
  private modelsStall = false;
  private completionSeq = 0;
  // Responses cut on purpose (drop faults) must not count as client aborts; nor may shutdown.
  private readonly droppedResponses = new WeakSet<ServerResponse>();
  private closing = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: FakeLlmOptions) {
    this.defaultTokens =
      options.tokens ??
      (options.tokenCount === undefined
        ? DEFAULT_TOKENS
        : Array.from({ length: options.tokenCount }, (_, i) => ` tok${i + 1}`));
    this.models = options.models ?? DEFAULT_MODELS;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get abortedCount(): number {
    return this.aborted;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // Large backlog: benchmarks open ~1000 connections at once.
      this.server.listen(0, '127.0.0.1', 4096, resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.baseURL = `${this.url}/v1`;
  }

  script(...replies: FakeReply[]): void {
    this.queue.push(...replies);
  }

  onRequest(matcher: RequestMatcher): void {
    this.matchers.push(matcher);
  }

  onModeration(matcher: ModerationMatcher): void {
    this.moderationMatchers.push(matcher);
  }

  onEmbedding(matcher: EmbeddingMatcher): void {
    this.embeddingMatchers.push(matcher);
  }

  setRandomFaults(options: RandomFaultOptions | undefined): void {
    this.randomFaults = options && {
      options,
      random: options.seed === undefined ? Math.random : mulberry32(options.seed),
    };
  }

  setModels(models: FakeModel[], options: SetModelsOptions = {}): void {
    this.models = models;
    this.modelsBareArray = options.bareArray ?? false;
    this.modelsStall = options.stallBody ?? false;
  }

  async waitForRequests(n: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    await this.waitUntil(
      () => this.requests.length >= n,
      timeoutMs,
      () => `expected ${n} requests, got ${this.requests.length}`,
    );
    return this.requests;
  }

  waitForAborted(n: number, timeoutMs = 5000): Promise<void> {
    return this.waitUntil(
      () => this.aborted >= n,
      timeoutMs,
      () => `expected ${n} aborted requests, got ${this.aborted}`,
    );
  }

  reset(): void {
    this.queue = [];
    this.matchers = [];
    this.moderationMatchers = [];
    this.embeddingMatchers = [];
    this.randomFaults = undefined;
    this.requests.length = 0;
    this.aborted = 0;
    this.models = this.options.models ?? DEFAULT_MODELS;
    this.modelsBareArray = false;
    this.modelsStall = false;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('close', () => {
      if (!res.writableFinished && !this.closing && !this.droppedResponses.has(res)) {
        this.aborted++;
        this.notify();
      }
    });

    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return; // The client went away mid-upload; 'close' above already counted it.
    }
    const body = parseBody(raw);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      headers: req.headers,
      body,
      time: Date.now(),
    };
    this.requests.push(recorded);
    this.notify();

    const { method, path } = recorded;
    if (method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      if (!body) {
        sendJson(res, 400, errorBody(400, 'Request body must be a JSON object'));
        return;
      }
      this.chatCompletion(res, body, this.pickReply(recorded));
    } else if (method === 'POST' && (path === '/v1/moderations' || path === '/moderations')) {
      this.moderation(res, recorded);
    } else if (method === 'POST' && (path === '/v1/embeddings' || path === '/embeddings')) {
      this.embeddings(res, recorded);
    } else if (method === 'GET' && (path === '/v1/models' || path === '/models')) {
      const data = this.models.map((m) => ({
        object: 'model',
        created: MODEL_CREATED,
        owned_by: 'fake-llm',
        ...m,
      }));
      const list = this.modelsBareArray ? data : { object: 'list', data };
      if (this.modelsStall) {
        const json = JSON.stringify(list);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(json.slice(0, json.length / 2));
        return;
      }
      sendJson(res, 200, list);
    } else {
      sendJson(res, 404, errorBody(404, `Unknown route: ${method} ${path}`));
    }
  }

  /** Answers a scripted fault (a `stall` never answers); false for a real answer. */
  private faulted<R extends object>(res: ServerResponse, reply: R | FakeFault): reply is FakeFault {
    if (!('fault' in reply)) return false;
    if (reply.fault === 'status') {
      sendJson(res, reply.status, reply.body ?? errorBody(reply.status), reply.headers);
    } else if (reply.fault === 'drop') {
      this.drop(res);
    }
    return true;
  }

  /** OpenAI's moderation answer: one result per input, with every category scored. */
  private moderation(res: ServerResponse, req: RecordedRequest): void {
    const inputs = inputsOf(req);
    const reply = firstMatch(this.moderationMatchers, inputs, req) ?? { scores: {} };
    if (this.faulted(res, reply)) return;
    const { scores } = reply;
    sendJson(res, 200, {
      id: `modr-fake-${++this.completionSeq}`,
      model: req.body?.model ?? 'omni-moderation-latest',
      results: inputs.map((text) => {
        const own = typeof scores === 'function' ? scores(text) : scores;
        const categoryScores = Object.fromEntries(
          MODERATION_CATEGORIES.map((category) => [category, own[category] ?? 0]),
        );
        const categories = Object.fromEntries(
          MODERATION_CATEGORIES.map((category) => [category, (own[category] ?? 0) >= 0.5]),
        );
        return {
          flagged: Object.values(categories).some(Boolean),
          categories,
          category_scores: categoryScores,
          category_applied_input_types: {},
        };
      }),
    });
  }

  /**
   * OpenAI's embeddings answer: a vector per input, as floats or, when the request asks for
   * `encoding_format: 'base64'` (the openai SDK's default), as little-endian float32 bytes.
   */
  private embeddings(res: ServerResponse, req: RecordedRequest): void {
    const inputs = inputsOf(req);
    const reply = firstMatch(this.embeddingMatchers, inputs, req) ?? { vector: fakeEmbedding };
    if (this.faulted(res, reply)) return;
    const { vector } = reply;
    const base64 = req.body?.encoding_format === 'base64';
    const tokens = inputs.reduce((sum, text) => sum + tokenize(text).length, 0);
    sendJson(res, 200, {
      object: 'list',
      model: req.body?.model ?? 'fake-embedding',
      data: inputs.map((text, index) => {
        const values = typeof vector === 'function' ? vector(text) : vector;
        return {
          object: 'embedding',
          index,
          embedding: base64
            ? Buffer.from(new Float32Array(values).buffer).toString('base64')
            : values,
        };
      }),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  private pickReply(req: RecordedRequest): FakeReply | undefined {
    for (const matcher of this.matchers) {
      const reply = matcher(req);
      if (reply) return reply;
    }
    return this.queue.shift() ?? this.randomFault();
  }

  private randomFault(): FakeFault | undefined {
    if (!this.randomFaults) return undefined;
    const { options, random } = this.randomFaults;
    if (options.kinds.length === 0 || random() >= options.rate) return undefined;
    const kind = options.kinds[Math.floor(random() * options.kinds.length)];
    switch (kind) {
      case 'drop':
        return { fault: 'drop', afterTokens: Math.floor(this.defaultTokens.length / 2) };
      case 'stall':
        return { fault: 'stall' };
      default:
        return { fault: 'status', status: Number(kind.slice('status'.length)) };
    }
  }

  private chatCompletion(
    res: ServerResponse,
    body: FakeRequestBody,
    reply: FakeReply = { tokens: this.defaultTokens },
  ): void {
    if ('fault' in reply) {
      if (reply.fault === 'stall') return;
      if (reply.fault === 'status') {
        sendJson(res, reply.status, reply.body ?? errorBody(reply.status), reply.headers);
        return;
      }
    }
    const dropAfter = 'fault' in reply ? reply.afterTokens : undefined;
    const text: FakeTextReply = 'fault' in reply ? { tokens: this.defaultTokens } : reply;
    const tokens = text.tokens ?? tokenize(text.content);
    const promptTokens = countPromptTokens(body.messages);
    const usage =
      text.usage === null
        ? null
        : {
            prompt_tokens: promptTokens,
            completion_tokens: tokens.length,
            total_tokens: promptTokens + tokens.length,
            ...text.usage,
          };
    const completion: Completion = {
      id: `chatcmpl-fake-${++this.completionSeq}`,
      created: Math.floor(Date.now() / 1000),
      model: text.model ?? body.model ?? 'fake-model',
      tokens,
      usage,
      firstTokenDelayMs: text.firstTokenDelayMs ?? this.options.firstTokenDelayMs ?? 0,
      tokenIntervalMs: text.tokenIntervalMs ?? this.options.tokenIntervalMs ?? 0,
      dropAfter,
      finishReason: text.finishReason ?? 'stop',
      holdOpen: text.holdOpen ?? false,
      writeBytes: text.writeBytes,
    };
    if (body.stream) {
      this.stream(res, completion, body.stream_options?.include_usage === true);
    } else {
      this.complete(res, completion);
    }
  }

  private stream(res: ServerResponse, c: Completion, includeUsage: boolean): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const base = { id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model };
    const out = c.writeBytes ? dripping(res, c.writeBytes) : res;
    const send = (payload: object): void => {
      out.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const chunk = (delta: object, finishReason: string | null = null): void =>
      send({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      });

    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => clearTimeout(timer));
    // One timer chain per stream; with a zero interval the tokens go out synchronously, still as
    // separate writes (separate SSE events) so clients exercise their incremental parsing.
    const step = (): void => {
      while (i < c.tokens.length && i !== c.dropAfter) {
        chunk({ content: c.tokens[i++] });
        if (c.tokenIntervalMs > 0 && i < c.tokens.length) {
          timer = setTimeout(step, c.tokenIntervalMs);
          return;
        }
      }
      if (c.dropAfter !== undefined) {
        this.drop(res);
        return;
      }
      chunk({}, c.finishReason);
      if (includeUsage && c.usage) send({ ...base, choices: [], usage: c.usage });
      if (!c.holdOpen) out.end('data: [DONE]\n\n');
    };

    chunk({ role: 'assistant', content: '' });
    if (c.firstTokenDelayMs > 0) timer = setTimeout(step, c.firstTokenDelayMs);
    else step();
  }

  private complete(res: ServerResponse, c: Completion): void {
    // Answer after the time the same reply would take to stream, so latency stays comparable.
    const delay = c.firstTokenDelayMs + c.tokenIntervalMs * Math.max(c.tokens.length - 1, 0);
    const timer = setTimeout(() => {
      if (c.dropAfter !== undefined) {
        this.drop(res);
        return;
      }
      sendJson(res, 200, {
        id: c.id,
        object: 'chat.completion',
        created: c.created,
        model: c.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: c.tokens.join(''), refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        ...(c.usage ? { usage: c.usage } : {}),
      });
    }, delay);
    res.on('close', () => clearTimeout(timer));
  }

  private drop(res: ServerResponse): void {
    this.droppedResponses.add(res);
    // Node 24 holds back what this tick wrote until the tick ends; after it, destroySoon
    // flushes the chunks already written, so the client really sees `afterTokens`.
    setImmediate(() => res.socket?.destroySoon());
  }

  private waitUntil(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeLlm: timed out after ${timeoutMs}ms: ${describe()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const check of this.waiters) check();
  }
}

/** Writes to `res` in pieces of `bytes`, one per event-loop turn, in order; then ends it. */
function dripping(res: ServerResponse, bytes: number): Pick<ServerResponse, 'write' | 'end'> {
  const queue: Buffer[] = [];
  let ending = false;
  let pumping = false;
  const pump = (): void => {
    const next = queue[0];
    if (res.destroyed) return;
    if (!next) {
      pumping = false;
      if (ending) res.end();
      return;
    }
    res.write(next.subarray(0, bytes));
    if (next.length > bytes) queue[0] = next.subarray(bytes);
    else queue.shift();
    setImmediate(pump);
  };
  const write = (text: string): boolean => {
    queue.push(Buffer.from(text));
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
    return true;
  };
  return {
    write: write as ServerResponse['write'],
    end: ((text?: string) => {
      ending = true;
      write(text ?? '');
      return res;
    }) as ServerResponse['end'],
  };
}

interface Completion {
  id: string;
  created: number;
  model: string;
  tokens: string[];
  usage: { [K in keyof FakeUsage]?: unknown } | null;
  firstTokenDelayMs: number;
  tokenIntervalMs: number;
  dropAfter: number | undefined;
  finishReason: string;
  holdOpen: boolean;
  writeBytes: number | undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): FakeRequestBody | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as FakeRequestBody)
      : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

function errorBody(status: number, message = `Fake upstream error ${status}`): object {
  const { type, code } = ERROR_TYPES[status] ?? {
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  return { error: { message, type, code } };
}

/**
 * The fake's default embedding: 8 numbers from the text's FNV-1a hash, the same for the same
 * text, so vectors are deterministic without being scripted.
 */
export function fakeEmbedding(text: string): number[] {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Array.from({ length: 8 }, (_, i) => (((hash >>> (i * 4)) & 0xf) - 7.5) / 7.5);
}

/** Word-ish tokens with leading whitespace attached; joining them restores the input exactly. */
function tokenize(content: string): string[] {
  return content.match(/\s*\S+|\s+/g) ?? [];
}

/** Deterministic prompt size estimate: word-ish tokens over all textual message content. */
function countPromptTokens(messages: FakeRequestBody['messages']): number {
  let count = 0;
  for (const { content } of messages ?? []) {
    if (typeof content === 'string') {
      count += tokenize(content).length;
    } else if (Array.isArray(content)) {
      for (const part of content as { text?: unknown }[]) {
        if (typeof part.text === 'string') count += tokenize(part.text).length;
      }
    }
  }
  return count;
}

/** Small seeded PRNG so random fault runs can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A moderation or embeddings request's `input`, one string or many, as strings. */
function inputsOf(req: RecordedRequest): string[] {
  const input = req.body?.input;
  return (Array.isArray(input) ? input : [input]).map((item) => String(item ?? ''));
}

/** The answer of the first matcher that has one for these inputs. */
function firstMatch<R>(
  matchers: ReadonlyArray<(inputs: string[], req: RecordedRequest) => R | undefined | null>,
  inputs: string[],
  req: RecordedRequest,
): R | undefined {
  for (const matcher of matchers) {
    const found = matcher(inputs, req);
    if (found) return found;
  }
  return undefined;
}
