// Event-loop benchmark (issue #24): how long the API's event loop stalls while one hostile
// request runs, next to an idle baseline measured in the same run. The app runs as its own
// process (startApp), so its loop is measured from outside: /api/healthz round trips, one
// after another on one kept-alive connection, for as long as the hostile request is in
// flight; the worst round trip bounds the worst stall. The fake upstream is its own process
// too (forked: this file with the argument `upstream`), so its work is not measured.
//
// Hostile requests: a 10,000-character CJK guest message; a message against a 600 KB
// whole-word lorebook; a PNG of 436,000 empty chunks, imported and exported (as an avatar
// stored before uploads were re-encoded); a 2,500-deep JSON body; a reply whose upstream
// sends one 3 MB chunk. Each runs ROUNDS times; the whole benchmark takes about 25 s (bench/README.md).
import { fork } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import pg from 'pg';
import { LLM_PROVIDER_NAMES } from '../src/config/configuration.js';
import { startFakeLlm } from '../test/support/fake-llm.js';
import { createBenchDatabase, fmt, printTable, smokeOr, startApp, summarize } from './lib.js';

// BENCH_SMOKE=1 keeps every case hostile in kind (still past each limit) but small.
const ROUNDS = smokeOr(3, 1);
const IDLE_MS = smokeOr(3_000, 200);
const WARM_UP = smokeOr(50, 2);
const PNG_CHUNKS = smokeOr(436_000, 3_000);
const LOREBOOK_BYTES = smokeOr(600 * 1024, 16 * 1024);
/** No hostile request may take longer than this (a bounded run, even when a fix regresses). */
const HOSTILE_TIMEOUT_MS = 20_000;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const BIG_CHUNK_BYTES = smokeOr(3 * 1024 * 1024, 64 * 1024);

// ---- The fake upstream, in its own process. ----

if (process.argv[2] === 'upstream') {
  const fake = await startFakeLlm({ tokenCount: 20 });
  process.on('message', (message) => {
    // One reply made of one chunk: 3 MB of CJK text, no spaces (the tokenizer's worst case).
    if (message === 'big-chunk') fake.script({ tokens: ['漢'.repeat(BIG_CHUNK_BYTES / 3)] });
    process.send?.('scripted');
  });
  process.send?.(fake.baseURL);
  process.once('disconnect', () => void fake.close().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

// ---- Helpers. ----

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET /api/healthz on the kept-alive connection; its round trip in ms. */
function healthz(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(`${url}/api/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`healthz answered ${res.statusCode}`)),
      );
    })
      .on('error', reject)
      .end();
  });
}

interface Measured {
  samples: number[];
  answers: string[];
  hostileMs: number[];
}

/** healthz round trips, back to back, until `stop` resolves. */
async function pollUntil(url: string, stop: Promise<unknown>, samples: number[]): Promise<void> {
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) samples.push(await healthz(url));
}

/** Runs `hostile` ROUNDS times, one after another, polling healthz while each is in flight. */
async function measure(url: string, hostile: () => Promise<string>): Promise<Measured> {
  const result: Measured = { samples: [], answers: [], hostileMs: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const work = Promise.race([
      hostile(),
      new Promise<string>((resolve) =>
        setTimeout(() => resolve('timed out'), HOSTILE_TIMEOUT_MS).unref(),
      ),
    ]).catch((error: Error) => `failed: ${error.message}`);
    await pollUntil(url, work, result.samples);
    result.answers.push(await work);
    result.hostileMs.push(performance.now() - started);
  }
  return result;
}

/** Reads a response to its end; "<status> <last SSE event type or error message>". */
async function outcome(res: Response): Promise<string> {
  const text = await res.text();
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const last = text.trim().split('\n\n').at(-1) ?? '';
    // The data line, after the event's `id:` line when it has one.
    const data = last.split('\n').find((line) => line.startsWith('data: '));
    const event = data ? (JSON.parse(data.slice(6)) as { type: string }) : { type: '?' };
    return `${res.status} ${event.type}`;
  }
  if (res.headers.get('content-type')?.startsWith('application/json')) {
    const body = JSON.parse(text) as { message?: string };
    return body.message ? `${res.status} ${body.message.slice(0, 60)}` : String(res.status);
  }
  return `${res.status} (${text.length} bytes)`;
}

function token(userId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: userId, pwv: 0 })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/** A 1×1 PNG followed by `count` empty ancillary chunks before IEND (~12 bytes each). */
function manyChunkPng(count: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  const idat = Buffer.from('789c6300010000050001', 'hex');
  const empty = chunk('zzZz', Buffer.alloc(0));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...Array.from({ length: count }, () => empty),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A lorebook of about `bytes`, every entry's keys whole-word ones. */
function wholeWordBook(bytes: number) {
  const entries = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const entry = {
      keys: Array.from({ length: 5 }, (_, k) => `word${i}x${k}`),
      secondary_keys: [],
      content: `Lore of entry ${i}. `.repeat(20),
      enabled: true,
      insertion_order: i,
      extensions: { match_whole_words: true },
    };
    size += JSON.stringify(entry).length;
    entries.push(entry);
  }
  return { entries, extensions: {} };
}

// ---- Main. ----

const upstream = fork(new URL(import.meta.url), ['upstream']);
const [baseURL] = (await once(upstream, 'message')) as [string];
const database = await createBenchDatabase();
const avatarDir = mkdtempSync(join(tmpdir(), 'bench-avatars-'));
const providers = Object.fromEntries(
  LLM_PROVIDER_NAMES.flatMap((name) => [
    [`${name.toUpperCase()}_API_KEY`, 'bench'],
    [`${name.toUpperCase()}_BASE_URL`, baseURL],
  ]),
);
const client = new pg.Client({ connectionString: database.url });
let app: Awaited<ReturnType<typeof startApp>> | undefined;
try {
  app = await startApp({
    DATABASE_URL: database.url,
    JWT_SECRET,
    RATE_LIMIT_SCALE: '0',
    AVATAR_DIR: avatarDir,
    ...providers,
  });
  const { url } = app;
  await client.connect();
  await client.query(
    `INSERT INTO prompt_template (key, value)
     VALUES ('setting.daily_message_limit', '1000000'), ('setting.anon_message_limit', '1000000')`,
  );
  const {
    rows: [owner],
  } = await client.query<{ id: string }>(
    `INSERT INTO app_user (email, tier) VALUES ('owner@bench.test', 'premium') RETURNING id`,
  );
  const auth = { authorization: `Bearer ${token(owner.id)}` };
  const hostilePng = manyChunkPng(PNG_CHUNKS);
  const avatarName = `${randomUUID()}.png`;
  writeFileSync(join(avatarDir, avatarName), hostilePng);
  const insertCharacter = async (slug: string, book: object | null) =>
    (
      await client.query<{ id: string }>(
        `INSERT INTO character (slug, owner_id, name, description, personality, greeting,
                                is_public, avatar_url, languages, character_book)
         VALUES ($1, $2, 'Luna', 'An innkeeper.', 'warm', 'Luna waves.', true, $3, '{en}', $4)
         RETURNING id`,
        [slug, owner.id, `/api/avatars/${avatarName}`, book],
      )
    ).rows[0].id;
  const plain = await insertCharacter('luna', null);
  const book = wholeWordBook(LOREBOOK_BYTES);
  const lorebook = await insertCharacter('luna-lore', book);

  const json = (headers: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    ...headers,
  });
  const openChat = async (characterId: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}/api/chats`, {
      method: 'POST',
      headers: json(headers),
      body: JSON.stringify({ character_id: characterId, force_new: true }),
    });
    if (res.status !== 201) throw new Error(`chat creation answered ${res.status}`);
    return ((await res.json()) as { id: string }).id;
  };
  const sendMessage = async (chatId: string, headers: Record<string, string>, content: string) =>
    outcome(
      await fetch(`${url}/api/chats/${chatId}/message`, {
        method: 'POST',
        headers: json(headers),
        body: JSON.stringify({ content }),
      }),
    );

  // A message that mentions many of the book's keys, among plenty of other words.
  const bookWords = book.entries.flatMap((entry) => entry.keys);
  const lorebookMessage = Array.from(
    { length: 900 },
    (_, i) => `${bookWords[(i * 37) % bookWords.length]} and`,
  )
    .join(' ')
    .slice(0, 10_000);
  const cjkMessage = '漢字仮名交じり文'.repeat(1_250).slice(0, 10_000);
  const deepBody = `{"email":"owner@bench.test","password":${'['.repeat(2_500)}${']'.repeat(2_500)}}`;

  const cases: Array<[string, () => Promise<string>]> = [
    [
      '10,000-character CJK guest message',
      async () => {
        const guest = { 'x-anon-session': randomUUID() };
        return sendMessage(await openChat(plain, guest), guest, cjkMessage);
      },
    ],
    [
      `message vs ${Math.round(JSON.stringify(book).length / 1024)} KB whole-word lorebook`,
      async () => sendMessage(await openChat(lorebook, auth), auth, lorebookMessage),
    ],
    [
      `import of a PNG of ${Math.round(PNG_CHUNKS / 1000)}k empty chunks (${fmt(hostilePng.length / 1024 / 1024, 1)} MB)`,
      async () => {
        const form = new FormData();
        form.append('file', new Blob([hostilePng], { type: 'image/png' }), 'card.png');
        return outcome(
          await fetch(`${url}/api/characters/import`, {
            method: 'POST',
            headers: auth,
            body: form,
          }),
        );
      },
    ],
    [
      'export of a character whose stored avatar is that PNG',
      async () =>
        outcome(await fetch(`${url}/api/characters/${plain}/export?format=png`, { headers: auth })),
    ],
    [
      '2,500-deep JSON body (login)',
      async () =>
        outcome(
          await fetch(`${url}/api/auth/login`, { method: 'POST', headers: json(), body: deepBody }),
        ),
    ],
    [
      `reply whose upstream sends one ${fmt(BIG_CHUNK_BYTES / 1024 / 1024, BIG_CHUNK_BYTES < 1024 * 1024 ? 2 : 0)} MB chunk`,
      async () => {
        const chatId = await openChat(plain, auth);
        upstream.send('big-chunk');
        await once(upstream, 'message');
        return sendMessage(chatId, auth, 'Tell me everything.');
      },
    ],
  ];

  // Warm-up: connections, prepared statements, the JIT; then the idle baseline.
  for (let i = 0; i < WARM_UP; i++) await healthz(url);
  const idle: number[] = [];
  await pollUntil(url, new Promise((resolve) => setTimeout(resolve, IDLE_MS)), idle);
  const idleStats = summarize(idle);
  const idleWorst = Math.max(...idle);

  const rows: Array<Array<string | number>> = [
    [
      `idle (${IDLE_MS / 1000} s) — baseline`,
      '—',
      '—',
      idle.length,
      fmt(idleStats.p50, 1),
      fmt(idleWorst, 1),
      '1.00',
    ],
  ];
  for (const [name, hostile] of cases) {
    const result = await measure(url, hostile);
    const stats = summarize(result.samples);
    const worst = Math.max(...result.samples);
    rows.push([
      name,
      [...new Set(result.answers)].join('; '),
      fmt(Math.max(...result.hostileMs), 0),
      result.samples.length,
      fmt(stats.p50, 1),
      fmt(worst, 1),
      fmt(worst / idleWorst),
    ]);
  }
  printTable(
    `Event loop under hostile requests (compiled app; healthz round trips back to back while ` +
      `each runs, ${ROUNDS} rounds each; worst ratio against idle worst)`,
    [
      'hostile request',
      'its answer',
      'its slowest ms',
      'healthz polls',
      'healthz p50 ms',
      'worst healthz ms',
      'worst ratio',
    ],
    rows,
  );
} finally {
  await app?.stop();
  await client.end().catch(() => undefined);
  await database.drop();
  upstream.disconnect();
}
