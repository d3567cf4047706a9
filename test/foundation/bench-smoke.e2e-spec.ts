import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testServerUrl } from '../support/database.js';

// Issue #23 item 5: every benchmark starts on a fresh clone. They once all stopped at
// start-up ("FRONTEND_URL is required when NODE_ENV=production") and nothing noticed, since
// nobody runs them by hand often. Here each one runs its whole path in BENCH_SMOKE=1 mode
// (tiny sizes, one short round: seconds each) against the test PostgreSQL, as a CI check.
const buildDir = resolve('.data', `test-build-bench-${process.pid}`);
const scratch = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
const TSX = resolve('node_modules', '.bin', 'tsx');
/** Per benchmark, a hang guard: a smoke run takes ~10 s on a quiet 2-CPU machine, ~50 s on a busy one. */
const BENCH_TIMEOUT_MS = 120_000;

/** Each benchmark and the titles of the tables it must print (their starts). */
const BENCHES: Array<[string, string[]]> = [
  ['base', ['Baseline (compiled app']],
  ['auth', ['Auth (compiled app']],
  ['llm', ['LLM streams: time to first token', 'Added by the provider layer']],
  ['characters', ['Catalogue latency through the API', 'Catalogue throughput at 100k']],
  ['seo', ['Sitemap of 200 quality-gated characters', 'Character page throughput']],
  [
    'chat',
    [
      'Chat streams: time to first token',
      'Added by the API',
      'API vs a bare pipe proxy and an openai SDK relay in the same run',
      'Targets',
      'Context build',
      'Output scan (moderation rules) per reply',
      'moderation_output_hold_back on: tokens in before the first',
      'Context build with memory and recall',
    ],
  ],
  ['event-loop', ['Event loop under hostile requests']],
  [
    'moderation',
    [
      'Moderation rules: one-time compile',
      'Moderation rules: CPU per KB',
      'Output scan: CPU per reply',
    ],
  ],
];

/**
 * Lines a benchmark must print (on the console): bench:chat's streams through the openai SDK
 * relay without errors (the second floor of issue #25), its context-build row of the branched
 * tree and its verdicts on the ratios (issue #17: a tree of 100,000 messages in 1,000 branches,
 * and a linear chat of 100,000, against one of 100).
 */
const LINES: Record<string, RegExp[]> = {
  chat: [
    /^\| \d+ +\| through an openai SDK relay +\| \d+\.\d{2} +\|.*\| 0 +\|$/m,
    /^\| [\d,]+ in [\d,]+ branches +\| \d+\.\d{3} +\|/m,
    /^[\d,]+ \/ [\d,]+ build p50 ratio: \d+\.\d{3} \(≤ 1\.5: (met|MISSED)\)$/m,
    /^tree of [\d,]+ in [\d,]+ branches \/ [\d,]+ build p50 ratio: \d+\.\d{3} \(≤ 1\.5: (met|MISSED)\)$/m,
  ],
};

interface Run {
  code: number | null;
  output: string;
  tables: Array<{ title: string; rows: string[][] }>;
}

/**
 * Runs a bench file with tsx as `npm run bench:<name>` does (after its build), in its own
 * process group so a hung run (and the app it started) is killed whole at the time limit.
 */
function runBench(file: string, env: Record<string, string> = {}): Promise<Run> {
  const jsonOut = join(scratch, `${file.replace(/\W/g, '_')}.jsonl`);
  const inherited = { ...process.env };
  // Jest's VM-modules flag and the suite's own database and Redis are not the bench's.
  for (const name of ['NODE_OPTIONS', 'DATABASE_URL', 'REDIS_URL']) delete inherited[name];
  const child = spawn(TSX, [file], {
    env: {
      ...inherited,
      BENCH_SMOKE: '1',
      BENCH_DATABASE_URL: testServerUrl(),
      BENCH_APP_ENTRY: join(buildDir, 'src/main.js'),
      BENCH_JSON_OUT: jsonOut,
      ...env,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => {
    output += `\n[killed after ${BENCH_TIMEOUT_MS} ms]`;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, BENCH_TIMEOUT_MS);
  return new Promise((done) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      const tables = existsSync(jsonOut)
        ? readFileSync(jsonOut, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Run['tables'][number])
        : [];
      done({ code, output, tables });
    }),
  );
}

describe('benchmarks in smoke mode (BENCH_SMOKE=1)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      buildDir,
    ]);
  }, 180_000);

  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(BENCHES)(
    'bench/%s.ts starts, runs and prints its tables',
    async (name, titles) => {
      const run = await runBench(`bench/${name}.ts`);
      // The output says why when it fails (e.g. the app's start-up error).
      expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({
        code: 0,
        output: '',
      });
      expect(run.tables.map((table) => table.title)).toEqual(
        titles.map((title) => expect.stringMatching(new RegExp(`^${escape(title)}`))),
      );
      for (const table of run.tables) {
        expect(table.rows.length).toBeGreaterThan(0);
        // The console shows the same table, aligned.
        expect(run.output).toContain(`\n${table.title}\n`);
      }
      for (const line of LINES[name] ?? []) expect(run.output).toMatch(line);
    },
    BENCH_TIMEOUT_MS + 10_000,
  );

  it('npm run bench (bench/run-all.ts) runs a benchmark and writes its report', async () => {
    const resultsFile = join(scratch, 'RESULTS.md');
    const run = await runBench('bench/run-all.ts', {
      BENCH_ONLY: 'llm',
      BENCH_SKIP_BUILD: '1',
      BENCH_RESULTS_FILE: resultsFile,
    });
    expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({
      code: 0,
      output: '',
    });
    const report = readFileSync(resultsFile, 'utf8');
    expect(report).toContain('LLM streams: time to first token');
    expect(report).not.toContain('FAILED');
  }, 60_000);
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
