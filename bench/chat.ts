// Chat streaming benchmark: the same streams, in the same run, once read straight from the fake
// upstream and once through the whole API (auth, rate-limit guard, quota, chat claim, context,
// DB writes, SSE), with 1, 100 and 1,000 streams open at all times. Upstream (bench/llm-upstream.ts, its
// own process): first token after 10 ms, then one every 10 ms, 20 tokens. Then the time to
// build a reply's context in a chat of 100 and of 100,000 messages, and in a tree of 100,000
// messages with 1,000 branches (issue #17: the context follows the active path only).
//
// The API is the compiled app in its own process (startApp); the context build is measured
// in-process with hand-built services (tsx emits no decorator metadata, so Nest's DI cannot
// run here), on the same database.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { CharacterEntity } from '../src/characters/entities/character.entity.js';
import { ChatRepository } from '../src/chat/chat.repository.js';
import { MessageRepository } from '../src/chat/message.repository.js';
import { PromptBuilderService } from '../src/chat/prompt/prompt-builder.service.js';
import { PromptTemplatesService } from '../src/chat/prompt/prompt-templates.service.js';
import { TokenEstimator } from '../src/llm/usage/token-estimator.js';
import { MemoryContextService } from '../src/chat/memory-context.service.js';
import { PromptTokens } from '../src/chat/prompt/prompt-tokens.js';
import { ReplyContextService } from '../src/chat/reply-context.service.js';
import { KeyValueEntity } from '../src/common/settings/key-value.entity.js';
import { KeyValueRepository } from '../src/common/settings/key-value.repository.js';
import { SettingsService } from '../src/common/settings/settings.service.js';
import { loadConfiguration } from '../src/config/configuration.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { createBenchDatabase, fmt, printTable, smokeOr, startApp, summarize } from './lib.js';
import { appendToPath } from '../test/support/messages.js';

/** `rounds`: replies per stream over both paths' passes. */
const ALL_LEVELS = smokeOr(
  [
    { streams: 1, rounds: 100 },
    { streams: 100, rounds: 10 },
    { streams: 1000, rounds: 4 },
  ],
  [{ streams: 1, rounds: 2 }],
);
/** BENCH_CHAT_STREAMS=100 (or 100,1000) runs those levels only; the targets need all three. */
const LEVELS = process.env.BENCH_CHAT_STREAMS
  ? ALL_LEVELS.filter((level) =>
      process.env.BENCH_CHAT_STREAMS!.split(',').includes(String(level.streams)),
    )
  : ALL_LEVELS;
const USERS = 100;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const DB_POOL_SIZE = process.env.BENCH_DB_POOL_SIZE ?? '60';
const CONTEXT_SAMPLES = smokeOr(200, 3);
const WARM_UP = smokeOr(20, 1);
/** Sends timed through the API in each context-build chat. */
const CONTEXT_SENDS = smokeOr(20, 2);
/** Chat lengths whose context build is compared: short, and long (the ratio's target). */
const CONTEXT_SIZES = smokeOr([100, 100_000], [10, 100]);
/**
 * The tree compared with the short chat: `messages` in all, of which `branches` branches of
 * `branchLength` messages hanging off the active path, each a sibling of a message on it.
 */
const TREE = smokeOr(
  { messages: 100_000, branches: 1_000, branchLength: 10 },
  { messages: 100, branches: 10, branchLength: 2 },
);
const TREE_LABEL = `${TREE.messages.toLocaleString('en')} in ${TREE.branches.toLocaleString('en')} branches`;
/** How long one upstream stream lasts: 10 ms to the first token, then 19 more 10 ms apart. */
const STREAM_MS = 200;

interface Sample {
  ttft: number;
  total: number;
  error?: string;
}

/**
 * Keep-alive connections of the client, renewed for every measured pass: a socket left idle
 * past the server's keep-alive timeout (5 s) while the other path ran can be closed by the
 * server just as the client reuses it, a reset that says nothing about either path.
 */
let agent = new http.Agent({ keepAlive: true });

/**
 * POSTs `body` and reads the server-sent events: TTFT is the first event `firstToken`
 * accepts, and the stream must end with one `finished` accepts.
 */
function timedStream(
  url: string,
  body: string,
  headers: Record<string, string>,
  firstToken: (event: Record<string, unknown>) => boolean,
  finished: (data: string, event: Record<string, unknown> | undefined) => boolean,
): Promise<Sample> {
  const started = performance.now();
  let responded = false;
  return new Promise((resolve) => {
    const fail = (error: string) => resolve({ ttft: NaN, total: NaN, error });
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        responded = true;
        if (res.statusCode !== 200) {
          res.resume();
          return fail(`HTTP ${res.statusCode}`);
        }
        res.setEncoding('utf8');
        let buffer = '';
        let ttft = NaN;
        let ok = false;
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            // An event may carry an `id:` line (for EventSource's Last-Event-ID) before its data.
            const data = block
              .split('\n')
              .find((line) => line.startsWith('data: '))
              ?.slice(6);
            if (data === undefined) continue;
            const event =
              data === '[DONE]' ? undefined : (JSON.parse(data) as Record<string, unknown>);
            if (event && Number.isNaN(ttft) && firstToken(event))
              ttft = performance.now() - started;
            if (finished(data, event)) ok = true;
          }
        });
        res.on('end', () =>
          ok ? resolve({ ttft, total: performance.now() - started }) : fail('stream ended badly'),
        );
        res.on('error', (error) => fail(error.message));
      },
    );
    // A keep-alive socket the server closed just as it was reused fails before any response.
    request.on('error', (error) =>
      fail(`${error.message} ${responded ? 'during the response' : 'before a response'}`),
    );
    request.end(body);
  });
}

/** An HS256 access token as the app issues them (sub + password version). */
function token(userId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: userId, pwv: 0 })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/** Resident set size of a process, from /proc (Linux). */
function rssMiBOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time (user + system) a process has used, from /proc (Linux; 100 ticks a second). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time (ms) every process of the machine has used: app, PostgreSQL, upstream, client. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) * 10;
}

/**
 * CPU time (ms) of each PostgreSQL process serving `database` (its connections and autovacuum
 * workers), by pid. They are found by their title (`postgres: [cluster:] user database host…`):
 * the server is shared with other databases (test runs, other benches), whose backends, and
 * the server's own WAL writer and checkpointer, would otherwise count as ours.
 */
function postgresCpuMsOf(database: string): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\s\0]+/);
      if (!title.includes(database)) continue;
      const fields = stat.split(') ')[1].split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The process ended meanwhile.
    }
  }
  return byPid;
}

/**
 * CPU used between two snapshots, per process: a backend started meanwhile counts whole, one
 * that ended is left out (a pool connection closed after idling: ~0) rather than subtracted.
 * NaN when none is seen (a server on another machine, or update_process_title off).
 */
function cpuSpentMs(before: Map<string, number>, after: Map<string, number>): number {
  if (after.size === 0) return NaN;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * `streams` streams open at all times: as many workers, each sending `perWorker` requests one
 * after the other, their starts spread evenly over one stream's duration (as users' messages
 * arrive, rather than all in the same millisecond).
 */
async function concurrently(
  streams: number,
  perWorker: number,
  request: (worker: number) => Promise<Sample>,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  await Promise.all(
    Array.from({ length: streams }, async (_, worker) => {
      await new Promise((resolve) => setTimeout(resolve, (worker * STREAM_MS) / streams));
      for (let i = 0; i < perWorker; i++) samples.push(await request(worker));
    }),
  );
  return samples;
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(run));
  }
}

/**
 * TREE.branches branches of TREE.branchLength messages on the chat's (linear) active path, in
 * one statement: branch b starts as a sibling of the path's message at an even spacing (an
 * alternative reply, say) and goes on from there. The active path and the leaf stay as they
 * are; the branches' ids are all above the path's, as messages written later.
 */
async function addBranches(db: pg.Client, chatId: string): Promise<void> {
  await db.query(
    `WITH path AS (
       SELECT id, depth, row_number() OVER (ORDER BY id) AS position FROM message
       WHERE chat_id = $1),
     anchors AS (
       SELECT b, p.id AS parent_id, p.depth
       FROM generate_series(1, $2::int) AS b
       JOIN path p ON p.position = greatest(1, b * (SELECT count(*) FROM path) / ($2 + 1))),
     drawn AS (
       SELECT nextval(pg_get_serial_sequence('message', 'id')) AS id, s.b, s.k
       FROM (SELECT b, k FROM generate_series(1, $2::int) AS b,
                              generate_series(1, $3::int) AS k
             ORDER BY b, k) s)
     INSERT INTO message (id, chat_id, parent_id, depth, role, content)
     OVERRIDING SYSTEM VALUE
     SELECT d.id, $1, COALESCE(lag(d.id) OVER (PARTITION BY d.b ORDER BY d.k), a.parent_id),
            a.depth + d.k, CASE WHEN d.k % 2 = 1 THEN 'assistant' ELSE 'user' END,
            'Another way the evening could have gone, branch ' || d.b || ', line ' || d.k
     FROM drawn d JOIN anchors a USING (b)
     ORDER BY d.id`,
    [chatId, TREE.branches, TREE.branchLength],
  );
}

const upstream = fork(new URL('./llm-upstream.ts', import.meta.url));
const [baseURL] = (await once(upstream, 'message')) as [string];
// The floor of issue #25: a bare node:http pipe proxy in front of the same upstream.
const pipeProxy = fork(new URL('./pipe-proxy.ts', import.meta.url), [baseURL]);
const [pipeProxyURL] = (await once(pipeProxy, 'message')) as [string];
// The second floor: a node:http server relaying the upstream through the openai SDK as SSE.
const sdkRelay = fork(new URL('./sdk-relay.ts', import.meta.url), [baseURL]);
const [sdkRelayURL] = (await once(sdkRelay, 'message')) as [string];
const database = await createBenchDatabase();
const databaseName = new URL(database.url).pathname.slice(1);
const client = new pg.Client({ connectionString: database.url });
let app: Awaited<ReturnType<typeof startApp>> | undefined;
try {
  app = await startApp({
    DATABASE_URL: database.url,
    JWT_SECRET,
    RATE_LIMIT_SCALE: '0',
    DB_POOL_SIZE,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: baseURL,
    LLM_PROVIDER_ORDER: 'openai',
  });
  await client.connect();

  // A high daily limit: the quota is still taken and checked on every message.
  await client.query(
    `INSERT INTO prompt_template (key, value) VALUES ('setting.daily_message_limit', '1000000')`,
  );
  const users = (
    await client.query<{ id: string }>(
      `INSERT INTO app_user (email) SELECT 'bench' || n || '@bench.test'
       FROM generate_series(1, ${USERS}) AS n RETURNING id`,
    )
  ).rows.map((row) => row.id);
  const {
    rows: [character],
  } = await client.query<{ id: string }>(
    `INSERT INTO character (slug, owner_id, name, description, personality, scenario, greeting,
                            is_public, avatar_url, languages)
     VALUES ('luna', $1, 'Luna', 'A witty innkeeper at a crossroads inn.',
             'warm, sharp-tongued, curious', 'A stormy night; the common room is full.',
             'Luna wipes the counter. "Rooms or stew?"', true, '/api/avatars/luna.png', '{en}')
     RETURNING id`,
    [users[0]],
  );

  // Three more chats than streams: the context build fills the last three with history.
  const maxStreams = Math.max(...LEVELS.map((level) => level.streams));
  const chatCount = maxStreams + 3;
  const chats: Array<{ id: string; auth: string }> = [];
  await inBatches(
    Array.from({ length: chatCount }, (_, i) => i),
    50,
    async (i) => {
      const auth = `Bearer ${token(users[i % USERS])}`;
      const res = await fetch(`${app!.url}/api/chats`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ character_id: character.id, force_new: true }),
      });
      if (res.status !== 201) throw new Error(`chat creation answered ${res.status}`);
      chats[i] = { id: ((await res.json()) as { id: string }).id, auth };
    },
  );

  const upstreamBody = JSON.stringify({
    model: 'gpt-4.1-mini',
    messages: [
      { role: 'system', content: 'You are Luna, a witty innkeeper.' },
      { role: 'user', content: 'Any rooms free tonight?' },
    ],
    stream: true,
    stream_options: { include_usage: true },
  });
  const upstreamStream = (base: string) =>
    timedStream(
      `${base}/chat/completions`,
      upstreamBody,
      { authorization: 'Bearer bench' },
      (event) =>
        Boolean(
          (event.choices as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta
            ?.content,
        ),
      (data) => data === '[DONE]',
    );
  const direct = () => upstreamStream(baseURL);
  const proxied = () => upstreamStream(pipeProxyURL);
  const messageBody = JSON.stringify({ content: 'Any rooms free tonight?' });
  const throughApi = (chat: { id: string; auth: string }) =>
    timedStream(
      `${app!.url}/api/chats/${chat.id}/message`,
      messageBody,
      { authorization: chat.auth },
      (event) => event.type === 'token',
      (_data, event) => event?.type === 'done',
    );
  const relayed = () =>
    timedStream(
      `${sdkRelayURL}/message`,
      messageBody,
      {},
      (event) => event.type === 'token',
      (_data, event) => event?.type === 'done',
    );

  // The context build's chats (their build is measured last): the latest messages of the
  // active path, then the prompt around them; the linear chats by length, the tree by its
  // label. Seeded before the streams, so those run on a database of ~200,000 messages as a
  // live one holds, not an empty one that grows several-fold during the run (which also
  // left PostgreSQL re-planning a prepared statement on some connections: bench/README.md).
  const sizes: Array<number | string> = [...CONTEXT_SIZES, TREE_LABEL];
  const contextChats: string[] = [];
  const history = (length: number) =>
    Array.from({ length }, (_, i) => ({
      role: (i + 1) % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `${'The rain drums on the shutters while Luna pours another cup. '.repeat(6)}${i + 1}`,
    }));
  for (const size of sizes) {
    const chatId = chats[chats.length - 1 - contextChats.length].id;
    const pathLength =
      typeof size === 'number' ? size : TREE.messages - TREE.branches * TREE.branchLength;
    await appendToPath(client, chatId, history(pathLength));
    if (size === TREE_LABEL) await addBranches(client, chatId);
    contextChats.push(chatId);
  }
  await client.query(`ANALYZE message`);

  // Warm-up: JIT, keep-alive connections, caches (settings, prompts, availability).
  for (let i = 0; i < WARM_UP; i++)
    await Promise.all([direct(), proxied(), relayed(), throughApi(chats[0])]);

  const rows: Array<Array<string | number>> = [];
  const summary: Array<Array<string | number>> = [];
  const versusProxy: Array<Array<string | number>> = [];
  for (const { streams, rounds } of LEVELS) {
    // Untimed: PostgreSQL plans a prepared statement anew on its first five runs on a
    // connection, so each pooled connection this level uses first runs every reply statement
    // about six times, as on a server that has been up a while. Without this, the CPU per
    // reply at 100 streams counted ~6 plans on each of 60 fresh connections (~1/3 of the
    // database's CPU in 1,000 replies; bench/README.md).
    const warmRounds = Math.ceil((6 * Math.min(streams, Number(DB_POOL_SIZE))) / streams);
    await concurrently(streams, warmRounds, (worker) => throughApi(chats[worker]));
    const samples = {
      direct: [] as Sample[],
      proxy: [] as Sample[],
      relay: [] as Sample[],
      api: [] as Sample[],
    };
    let apiCpuMs = 0;
    let proxyCpuMs = 0;
    let relayCpuMs = 0;
    const machineMs = { direct: 0, proxy: 0, relay: 0, api: 0 };
    let postgresMs = 0;
    let peakRss = rssMiBOf(app.process.pid!);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiBOf(app!.process.pid!));
    }, 50);
    // Two passes, the paths in opposite order, so neither always meets a warmer process.
    for (const order of [
      ['direct', 'proxy', 'relay', 'api'] as const,
      ['api', 'relay', 'proxy', 'direct'] as const,
    ]) {
      for (const path of order) {
        agent.destroy();
        agent = new http.Agent({ keepAlive: true });
        const cpuBefore = cpuMsOf(app.process.pid!);
        const proxyCpuBefore = cpuMsOf(pipeProxy.pid!);
        const relayCpuBefore = cpuMsOf(sdkRelay.pid!);
        const machineBefore = machineBusyMs();
        const postgresBefore = postgresCpuMsOf(databaseName);
        const batch = await concurrently(streams, Math.ceil(rounds / 2), (worker) =>
          path === 'direct'
            ? direct()
            : path === 'proxy'
              ? proxied()
              : path === 'relay'
                ? relayed()
                : throughApi(chats[worker]),
        );
        machineMs[path] += machineBusyMs() - machineBefore;
        if (path === 'api') {
          postgresMs += cpuSpentMs(postgresBefore, postgresCpuMsOf(databaseName));
        }
        samples[path].push(...batch);
        if (path === 'api') apiCpuMs += cpuMsOf(app.process.pid!) - cpuBefore;
        if (path === 'proxy') proxyCpuMs += cpuMsOf(pipeProxy.pid!) - proxyCpuBefore;
        if (path === 'relay') relayCpuMs += cpuMsOf(sdkRelay.pid!) - relayCpuBefore;
      }
    }
    clearInterval(sampler);
    const stats = (list: Sample[]) => {
      const ok = list.filter((sample) => !sample.error);
      return {
        ttft: summarize(ok.map((sample) => sample.ttft)),
        total: summarize(ok.map((sample) => sample.total)),
        errors: list.length - ok.length,
        firstError: list.find((sample) => sample.error)?.error,
      };
    };
    const d = stats(samples.direct);
    const p = stats(samples.proxy);
    const r = stats(samples.relay);
    const a = stats(samples.api);
    for (const [path, s] of [
      ['upstream directly', d],
      ['through a bare pipe proxy', p],
      ['through an openai SDK relay', r],
      ['through the API', a],
    ] as const) {
      rows.push([
        streams,
        path,
        fmt(s.ttft.p50),
        fmt(s.ttft.p99),
        fmt(s.total.p50),
        fmt(s.total.p99),
        s.errors === 0 ? 0 : `${s.errors} (${s.firstError})`,
      ]);
    }
    summary.push([
      streams,
      samples.api.length,
      fmt(a.ttft.p50 - d.ttft.p50),
      fmt(a.ttft.p99 - d.ttft.p99),
      fmt(a.total.p50 - d.total.p50),
      fmt(a.total.p99 - d.total.p99),
      a.errors + d.errors,
      fmt(apiCpuMs / samples.api.length),
      fmt(postgresMs / samples.api.length),
      fmt(machineMs.direct / samples.direct.length),
      fmt(machineMs.api / samples.api.length),
      fmt(peakRss, 0),
    ]);
    const apiPerReply = (apiCpuMs + postgresMs) / samples.api.length;
    const proxyPerStream = proxyCpuMs / samples.proxy.length;
    const relayPerStream = relayCpuMs / samples.relay.length;
    versusProxy.push([
      streams,
      fmt(a.ttft.p50 - d.ttft.p50),
      fmt(p.ttft.p50 - d.ttft.p50),
      fmt(r.ttft.p50 - d.ttft.p50),
      fmt(apiPerReply),
      fmt(proxyPerStream),
      fmt(relayPerStream),
      fmt(apiPerReply / proxyPerStream),
      fmt(relayPerStream / proxyPerStream),
      a.errors + p.errors + r.errors,
    ]);
  }

  printTable(
    'Chat streams: time to first token and total time (ms)',
    ['streams', 'path', 'TTFT p50', 'TTFT p99', 'total p50', 'total p99', 'errors'],
    rows,
  );
  printTable(
    'Added by the API (API − upstream, ms); peak RSS of the API process',
    [
      'streams',
      'samples',
      'TTFT p50',
      'TTFT p99',
      'total p50',
      'total p99',
      'errors',
      'API CPU ms/reply',
      'PostgreSQL CPU ms/reply, bench database',
      'machine CPU ms/stream, direct',
      'machine CPU ms/reply, API',
      'API RSS MiB',
    ],
    summary,
  );
  printTable(
    'API vs a bare pipe proxy and an openai SDK relay in the same run (added = − upstream directly; CPU from /proc)',
    [
      'streams',
      'API added TTFT p50 ms',
      'proxy added TTFT p50 ms',
      'relay added TTFT p50 ms',
      'API+PostgreSQL CPU ms/reply',
      'proxy CPU ms/stream',
      'relay CPU ms/stream',
      'CPU ratio API+PostgreSQL / proxy',
      'CPU ratio relay / proxy',
      'errors',
    ],
    versusProxy,
  );
  const added = (streams: number, column: number) =>
    Number(summary.find((row) => row[0] === streams)?.[column]);
  const target = (label: string, value: number, limit: number) => [
    label,
    fmt(value),
    Number.isNaN(value) ? 'not run' : value <= limit ? 'met' : 'MISSED',
  ];
  printTable(
    'Targets',
    ['target', 'measured', ''],
    [
      target('added TTFT p50 ≤ 5 ms at 1 stream', added(1, 2), 5),
      target('added TTFT p50 ≤ 10 ms at 100', added(100, 2), 10),
      target('added TTFT p99 ≤ 20 ms at 100', added(100, 3), 20),
      target('added total p50 ≤ 5 ms at 1', added(1, 4), 5),
      target('added total p50 ≤ 5 ms at 100', added(100, 4), 5),
      target('errors at 1,000 streams = 0', added(1000, 6), 0),
      target('added TTFT p50 ≤ 4 ms at 1 stream (issue #25)', added(1, 2), 4),
      target('API peak RSS ≤ 356 MiB at 1,000 streams (issue #25)', added(1000, 11), 356),
      target(
        'API+PostgreSQL CPU ≤ 4× the bare proxy per reply, 100 streams (issue #25)',
        Number(versusProxy.find((row) => row[0] === 100)?.[7]),
        4,
      ),
    ],
  );

  const config = loadConfiguration({ DATABASE_URL: database.url, JWT_SECRET, DATA_DIR: '/tmp' });
  const dataSource = new DataSource(
    dataSourceOptions({ ...config.database, url: database.url }, [KeyValueEntity, CharacterEntity]),
  );
  await dataSource.initialize();
  const keyValues = new KeyValueRepository(dataSource.getRepository(KeyValueEntity));
  const repository = new ChatRepository(dataSource);
  const paths = new MessageRepository(dataSource);
  const settings = new SettingsService(keyValues);
  const prompts = new PromptBuilderService(new PromptTemplatesService(keyValues));
  const tokens = new PromptTokens(new TokenEstimator());
  const context = new ReplyContextService(
    prompts,
    settings,
    config,
    new MemoryContextService(prompts, tokens),
    tokens,
  );
  const characterEntity = (await dataSource.getRepository(CharacterEntity).findOneBy({
    id: character.id,
  }))!;
  const buildTimes: Record<number | string, { p50: number; p99: number }> = {};
  const ttfts: Record<number | string, { p50: number; p99: number }> = {};
  for (const [index, size] of sizes.entries()) {
    const chatId = contextChats[index];
    const { chat } = (await repository.findById(chatId))!;
    // The end of the active path (in the tree, branches were written after it).
    const leafId = Number(chat.leafId);
    const build = async () => {
      const history = await paths.contextMessages(chatId, leafId, 30);
      await context.messages({
        chat,
        character: characterEntity,
        members: [characterEntity],
        names: new Map([[characterEntity.id, characterEntity.name]]),
        history,
        messageCount: chat.messageCount,
        userIsAdult: false,
      });
    };
    for (let i = 0; i < WARM_UP; i++) await build();
    const times: number[] = [];
    for (let i = 0; i < CONTEXT_SAMPLES; i++) {
      const started = performance.now();
      await build();
      times.push(performance.now() - started);
    }
    buildTimes[size] = summarize(times);
    const chatAuth = chats.find((candidate) => candidate.id === chatId)!;
    const api: number[] = [];
    for (let i = 0; i < CONTEXT_SENDS; i++) {
      const sample = await throughApi(chatAuth);
      if (sample.error) throw new Error(`context chat send failed: ${sample.error}`);
      api.push(sample.ttft);
    }
    ttfts[size] = summarize(api);
  }
  await dataSource.destroy();
  printTable(
    `Context build (latest 30 messages + prompt), ${CONTEXT_SAMPLES} samples each (ms)`,
    ['chat length', 'build p50', 'build p99', `API TTFT p50 (${CONTEXT_SENDS} sends)`],
    sizes.map((size) => [
      size.toLocaleString('en'),
      fmt(buildTimes[size].p50, 3),
      fmt(buildTimes[size].p99, 3),
      fmt(ttfts[size].p50),
    ]),
  );
  const [short, long] = CONTEXT_SIZES;
  const ratio = buildTimes[long].p50 / buildTimes[short].p50;
  console.log(
    `\n${long.toLocaleString('en')} / ${short} build p50 ratio: ${fmt(ratio, 3)} (≤ 1.5: ${ratio <= 1.5 ? 'met' : 'MISSED'})`,
  );
  const treeRatio = buildTimes[TREE_LABEL].p50 / buildTimes[short].p50;
  console.log(
    `tree of ${TREE_LABEL} / ${short} build p50 ratio: ${fmt(treeRatio, 3)} (≤ 1.5: ${treeRatio <= 1.5 ? 'met' : 'MISSED'})`,
  );
} finally {
  await app?.stop();
  await client.end().catch(() => undefined);
  upstream.disconnect();
  pipeProxy.disconnect();
  sdkRelay.disconnect();
  agent.destroy();
  await database.drop();
}
await (await import('./chat-moderation.js')).printChatModerationCost();
await (await import('./chat-memory.js')).printChatMemoryCost();
