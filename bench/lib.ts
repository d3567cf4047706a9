// Shared benchmark helpers: start the compiled app as a real process, measure, print ratios.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const BENCH_DATABASE_SERVER =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/**
 * BENCH_SMOKE=1: every benchmark runs its whole path (start-up, seeding, each measurement,
 * its tables) with tiny sizes and one short round, in seconds: a check that the benchmarks
 * still run (test/foundation/bench-smoke.e2e-spec.ts), not a measurement.
 */
export const SMOKE = process.env.BENCH_SMOKE === '1';

/** `full` for a measurement, `small` under BENCH_SMOKE=1. */
export const smokeOr = <T>(full: T, small: T): T => (SMOKE ? small : full);

/** The compiled app's entry (`npm run build`); the smoke test builds into its own folder. */
const APP_ENTRY = process.env.BENCH_APP_ENTRY ?? 'dist/src/main.js';

/** Node's options of `npm run start:prod` (the heap's sizes), so the app runs as deployed. */
const PRODUCTION_NODE_OPTIONS = (
  JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
).scripts['start:prod']
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export function summarize(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}

export const fmt = (value: number, digits = 2): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

/** Prints rows as an aligned text table (also valid Markdown, for bench/README.md). */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>) {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(cells[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
  // Set by bench/run-all.ts: each table also goes there as one JSON line, for RESULTS.md.
  const jsonOut = process.env.BENCH_JSON_OUT;
  if (jsonOut) {
    appendFileSync(jsonOut, `${JSON.stringify({ title, header, rows: cells.slice(1) })}\n`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A throwaway database on the benchmark server; dropped by the returned function. */
export async function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(BENCH_DATABASE_SERVER);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      // BENCH_KEEP_DB=1 leaves it for EXPLAIN and pgbench on the data a run wrote.
      if (process.env.BENCH_KEEP_DB) return console.log(`bench database kept: ${name}`);
      const client = new pg.Client({ connectionString: BENCH_DATABASE_SERVER });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface RunningApp {
  url: string;
  process: ChildProcess;
  /** Milliseconds from spawn to the first 200 on /api/readyz. */
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * Starts the compiled app (`npm run build` first) as its own process, as production runs it.
 * tsx cannot run the app itself: esbuild emits no decorator metadata, which Nest's DI needs.
 */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const started = performance.now();
  // BENCH_APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the app under load
  // (a V8 option given there wins over the same one of start:prod's).
  const nodeArgs = [
    ...PRODUCTION_NODE_OPTIONS,
    ...(process.env.BENCH_APP_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, APP_ENTRY], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')),
      LOG_LEVEL: 'warn',
      // Production refuses to start without the site's public address.
      FRONTEND_URL: 'http://localhost:5173',
      // Benchmarks measure their own catalogues, and start-up without seeding.
      SEED_STARTER_CHARACTERS: 'false',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/readyz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('app did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startupMs = performance.now() - started;
  return {
    url,
    process: child,
    startupMs,
    // Stopping twice (a benchmark that restarts the app, then its finally) is a no-op.
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  errors: number;
  non2xx: number;
}

export async function load(options: autocannon.Options & { url: string }): Promise<LoadResult> {
  const result = await autocannon({
    connections: 10,
    ...options,
    duration: SMOKE ? 1 : (options.duration ?? 5),
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export const rssMiB = (): number => process.memoryUsage().rss / 1024 / 1024;

export interface PairedRatio {
  /** The endpoint's load of the median round. */
  result: LoadResult;
  /** The baseline's load of that round. */
  baseline: LoadResult;
  /** Each round's req/s ratio to the baseline measured just before it, sorted. */
  ratios: number[];
  median: number;
}

/**
 * Throughput of `url` as a ratio to `baselineUrl`, each round loading the baseline and then
 * the endpoint back to back (3 s each), so load from outside the benchmark (a shared machine)
 * moves both alike; the median round's ratio and the spread of all rounds.
 */
export async function pairedRatio(
  baselineUrl: string,
  url: string,
  rounds = Number(process.env.BENCH_ROUNDS ?? smokeOr(3, 1)),
): Promise<PairedRatio> {
  const runs: Array<{ ratio: number; result: LoadResult; baseline: LoadResult }> = [];
  for (let round = 0; round < rounds; round++) {
    const baseline = await load({ url: baselineUrl, duration: 3 });
    const result = await load({ url, duration: 3 });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: load had failures`);
    runs.push({ ratio: result.requestsPerSecond / baseline.requestsPerSecond, result, baseline });
  }
  runs.sort((x, y) => x.ratio - y.ratio);
  const middle = runs[Math.floor(runs.length / 2)];
  return {
    result: middle.result,
    baseline: middle.baseline,
    ratios: runs.map((run) => run.ratio),
    median: middle.ratio,
  };
}

/** "0.52 (0.41–0.60)": a median ratio and its spread. */
export const fmtSpread = (paired: PairedRatio): string =>
  paired.ratios.length > 1
    ? `${fmt(paired.median)} (${fmt(paired.ratios[0])}–${fmt(paired.ratios.at(-1)!)})`
    : fmt(paired.median);
