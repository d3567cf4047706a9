// `npm run bench`: builds the app once, runs every benchmark one after another (each its own
// process), and writes bench/RESULTS.md: date, machine, each benchmark's tables and output,
// and a summary of the key numbers against their targets (issues 4, 5, 6, 9 and 11).
//
// A benchmark that fails (non-zero exit, crash, timeout) is reported in RESULTS.md and the
// rest still run; the runner then exits with 1.
//
// Environment:
//   BENCH_ONLY=base,chat       run only these (names below), in this order
//   BENCH_SKIP_BUILD=1         use the dist/ already built
//   BENCH_RESULTS_FILE=path    where to write the report (default bench/RESULTS.md)
//   BENCH_TIMEOUT_MIN=45       per-benchmark limit, then it is killed and reported as failed
// Each benchmark also gets BENCH_JSON_OUT: printTable (bench/lib.ts) appends its tables there
// as JSON lines, which the summary reads instead of parsing the console output.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BENCH_DATABASE_SERVER } from './lib.js';
import { readTables, report, type Bench, type BenchRun } from './results.js';

const BENCHES: Bench[] = [
  { name: 'base', file: 'bench/base.ts', title: 'Baseline: start-up and /api/healthz' },
  { name: 'auth', file: 'bench/auth.ts', title: 'Auth: login throughput, event loop' },
  { name: 'llm', file: 'bench/llm.ts', title: 'LLM provider layer overhead' },
  { name: 'characters', file: 'bench/characters.ts', title: 'Catalogue at 1k vs 100k' },
  { name: 'seo', file: 'bench/seo.ts', title: 'SEO: sitemap memory, page throughput' },
  { name: 'chat', file: 'bench/chat.ts', title: 'Chat streaming overhead, context build' },
  { name: 'event-loop', file: 'bench/event-loop.ts', title: 'Event loop under hostile requests' },
  { name: 'moderation', file: 'bench/moderation.ts', title: 'Moderation rules, output scan' },
];

const RESULTS_FILE = process.env.BENCH_RESULTS_FILE ?? 'bench/RESULTS.md';
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MIN ?? 45) * 60_000;
const only = process.env.BENCH_ONLY?.split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = only?.filter((name) => !BENCHES.some((bench) => bench.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `BENCH_ONLY: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}
let interrupted = false;
const selected = only ? only.map((name) => BENCHES.find((bench) => bench.name === name)!) : BENCHES;

/**
 * Runs a command, echoing its output live and keeping a copy. Its own process group, so a
 * timeout also ends the app processes a benchmark started.
 */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
  error?: string;
}> {
  return new Promise((resolve) => {
    const chunks: string[] = [];
    let timedOut = false;
    let error: string | undefined;
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
      chunks.push(chunk.toString('utf8'));
      target.write(chunk);
    };
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    let hardKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      hardKill = setTimeout(() => killGroup('SIGKILL'), 15_000);
    }, timeoutMs);
    // Ctrl-C on the runner ends the benchmark (and its app) too, and the run after it.
    const forward = () => {
      interrupted = true;
      killGroup('SIGTERM');
    };
    process.once('SIGINT', forward);
    child.on('error', (failure) => {
      error = failure.message;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      process.removeListener('SIGINT', forward);
      resolve({ exitCode, signal, timedOut, output: chunks.join(''), error });
    });
  });
}

function sh(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

async function machineInfo(): Promise<Array<[string, string]>> {
  const cpuList = cpus();
  const osRelease = existsSync('/etc/os-release')
    ? /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]
    : undefined;
  let postgres: string;
  const client = new pg.Client({ connectionString: BENCH_DATABASE_SERVER });
  try {
    await client.connect();
    postgres = (await client.query<{ version: string }>('SELECT version()')).rows[0].version;
  } catch (error) {
    postgres = `unreachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const server = new URL(BENCH_DATABASE_SERVER);
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  const commit = sh('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['status', '--porcelain', '--untracked-files=no']);
  return [
    ['CPU', `${cpuList[0]?.model ?? 'unknown'} × ${cpuList.length}`],
    ['RAM', `${gib(totalmem())} (${gib(freemem())} free at start)`],
    [
      'load average at start (1/5/15 min)',
      loadavg()
        .map((n) => n.toFixed(2))
        .join(' / '),
    ],
    ['OS', `${osRelease ?? osType()} (kernel ${release()})`],
    ['Node.js', process.version],
    ['PostgreSQL', `${postgres} at ${server.host}`],
    ['commit', commit ? `${commit}${dirty ? ' + uncommitted changes' : ''}` : 'unknown'],
  ];
}

// ---- Main. ----

const started = new Date();
const machine = await machineInfo();
const scratch = mkdtempSync(join(tmpdir(), 'bench-run-'));
const runs: BenchRun[] = [];
let build: { ok: boolean; output: string; durationMs: number } | undefined;
try {
  if (!process.env.BENCH_SKIP_BUILD) {
    console.log('\n=== npm run build ===');
    const buildStarted = performance.now();
    const result = await run('npm', ['run', 'build'], process.env, 10 * 60_000);
    build = {
      ok: result.exitCode === 0,
      output: result.output,
      durationMs: performance.now() - buildStarted,
    };
  }
  const tsx = join('node_modules', '.bin', 'tsx');
  for (const bench of selected) {
    if ((build && !build.ok) || interrupted) {
      runs.push({
        bench,
        exitCode: null,
        signal: null,
        timedOut: false,
        durationMs: 0,
        output: '',
        tables: [],
        error: interrupted ? 'interrupted' : 'the build failed',
      });
      continue;
    }
    console.log(`\n=== bench:${bench.name} (${bench.file}) ===`);
    const jsonOut = join(scratch, `${bench.name}.jsonl`);
    const benchStarted = performance.now();
    const result = await run(
      tsx,
      [bench.file],
      { ...process.env, BENCH_JSON_OUT: jsonOut },
      TIMEOUT_MS,
    );
    runs.push({
      bench,
      ...result,
      durationMs: performance.now() - benchStarted,
      tables: readTables(jsonOut),
    });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

writeFileSync(RESULTS_FILE, report({ started, machine, build, runs, only, timeoutMs: TIMEOUT_MS }));
console.log(`\nWrote ${RESULTS_FILE}`);
const failed = runs.filter((r) => r.exitCode !== 0);
if (failed.length > 0 || (build && !build.ok)) {
  console.error(
    `Failed: ${[...(build && !build.ok ? ['build'] : []), ...failed.map((r) => r.bench.name)].join(', ')}`,
  );
  process.exitCode = 1;
}
