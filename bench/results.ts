// The report `npm run bench` writes (bench/RESULTS.md): machine, summary of the key numbers
// against their targets, and every benchmark's tables and other output. The tables come from
// printTable (bench/lib.ts), which appends them as JSON lines to BENCH_JSON_OUT.
import { existsSync, readFileSync } from 'node:fs';

export interface Bench {
  name: string;
  file: string;
  title: string;
}

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

export interface BenchRun {
  bench: Bench;
  /** null when it did not run (build failed). */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
  tables: Table[];
  error?: string;
}

export function readTables(file: string): Table[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Table];
      } catch {
        return [];
      }
    });
}

// ---- Summary: the key numbers, found by table title and column name. ----

type Verdict = 'met' | 'MISSED' | '';

export interface SummaryRow {
  bench: string;
  measure: string;
  target: string;
  measured: string;
  verdict: Verdict;
}

const num = (cell: string | undefined): number => {
  const match = /-?\d[\d,]*(\.\d+)?/.exec(cell ?? '');
  return match ? Number(match[0].replace(/,/g, '')) : NaN;
};

class Tables {
  constructor(
    private readonly tables: Table[],
    /** The benchmark's console output, for numbers printed outside tables. */
    readonly output: string,
  ) {}

  find(title: RegExp): Table | undefined {
    return this.tables.find((table) => title.test(table.title));
  }

  /** The cell in column `column` (a header prefix) of the first row `row` matches. */
  cell(title: RegExp, row: RegExp | string, column: RegExp): string | undefined {
    const table = this.find(title);
    if (!table) return undefined;
    const index = table.header.findIndex((name) => column.test(name));
    const found = table.rows.find((cells) =>
      typeof row === 'string' ? cells[0] === row : row.test(cells[0]),
    );
    return index < 0 || !found ? undefined : found[index];
  }

  column(title: RegExp, column: RegExp): number[] {
    const table = this.find(title);
    const index = table?.header.findIndex((name) => column.test(name)) ?? -1;
    return table && index >= 0 ? table.rows.map((cells) => num(cells[index])) : [];
  }
}

export function summarize(runs: BenchRun[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const add = (
    bench: string,
    measure: string,
    value: number,
    unit: string,
    target?: { limit: number; op: '≤' | '<' | '=' | '≥'; digits?: number },
  ) => {
    const measured = Number.isFinite(value) ? `${+value.toFixed(target?.digits ?? 2)}${unit}` : '';
    let verdict: Verdict = '';
    if (target && Number.isFinite(value)) {
      const ok =
        target.op === '≤'
          ? value <= target.limit
          : target.op === '≥'
            ? value >= target.limit
            : target.op === '<'
              ? value < target.limit
              : value === target.limit;
      verdict = ok ? 'met' : 'MISSED';
    }
    rows.push({
      bench,
      measure,
      target: target ? `${target.op} ${target.limit}${unit}` : '—',
      measured: measured || 'not measured',
      verdict,
    });
  };
  const of = (name: string) => {
    const found = runs.find((r) => r.bench.name === name);
    return found && new Tables(found.tables, found.output);
  };
  const streamsLabel = (streams: string) =>
    `${Number(streams).toLocaleString('en')} stream${streams === '1' ? '' : 's'}`;

  const base = of('base');
  if (base) {
    const t = /^Baseline/;
    add(
      'base',
      'start-up to ready, migrated database',
      num(base.cell(t, /migrated/, /^value/)),
      ' ms',
    );
    add(
      'base',
      'start-up to ready, fresh database (migrations)',
      num(base.cell(t, /fresh/, /^value/)),
      ' ms',
    );
    add(
      'base',
      '/api/healthz throughput (the baseline)',
      num(base.cell(t, /healthz \(req\/s\)/, /^value/)),
      ' req/s',
    );
    const latency = base.cell(t, /healthz p50/, /^value/)?.split('/') ?? [];
    add('base', '/api/healthz p99 latency', num(latency[1]), ' ms');
  }

  const auth = of('auth');
  if (auth) {
    const t = /^Auth/;
    add('auth', 'login throughput alone', num(auth.cell(t, /login alone/, /^req\/s/)), ' req/s');
    add(
      'auth',
      'healthz p99 while logins hash ÷ idle',
      num(auth.cell(t, /while logins hash/, /^p99 ratio/)),
      '×',
    );
  }

  const llm = of('llm');
  if (llm) {
    const t = /^Added by the provider layer/;
    add('llm', 'added TTFT p50, 1 stream', num(llm.cell(t, '1', /^added TTFT/)), ' ms', {
      limit: 1,
      op: '≤',
    });
    add('llm', 'added TTFT p50, 100 streams', num(llm.cell(t, '100', /^added TTFT/)), ' ms', {
      limit: 2,
      op: '≤',
    });
    add('llm', 'RSS at 100 streams', num(llm.cell(t, '100', /^RSS/)), ' MiB');
  }

  const characters = of('characters');
  if (characters) {
    const t = /^Catalogue latency/;
    const worst = (values: number[]) => (values.length ? Math.max(...values) : NaN);
    add(
      'characters',
      'catalogue 100k / 1k, worst p50 ratio',
      worst(characters.column(t, /^ratio p50/)),
      '',
      { limit: 2, op: '≤' },
    );
    add(
      'characters',
      'catalogue 100k / 1k, worst p99 ratio',
      worst(characters.column(t, /^ratio p99/)),
      '',
      { limit: 2, op: '≤' },
    );
    const throughput = /catalogue.*healthz/i;
    add(
      'characters',
      'catalogue list req/s ÷ healthz (anonymous cache)',
      num(characters.cell(throughput, /popular/, /^ratio/)),
      '×',
      { limit: 0.5, op: '≥' },
    );
    add(
      'characters',
      'catalogue search req/s ÷ healthz (anonymous cache)',
      num(characters.cell(throughput, /search/, /^ratio/)),
      '×',
      { limit: 0.2, op: '≥' },
    );
    add(
      'characters',
      'catalogue list req/s ÷ healthz, cache off',
      num(characters.cell(throughput, /popular/, /^uncached ratio/)),
      '×',
    );
    add(
      'characters',
      'catalogue search req/s ÷ healthz, cache off',
      num(characters.cell(throughput, /search/, /^uncached ratio/)),
      '×',
    );
  }

  const seo = of('seo');
  if (seo) {
    const sitemap = /^Sitemap of/;
    const pages = /^Character page throughput/;
    add('seo', 'sitemap peak RSS growth', num(seo.cell(sitemap, /peak growth/, /^value/)), ' MiB', {
      limit: 50,
      op: '<',
      digits: 1,
    });
    add('seo', 'whole sitemap, mean', num(seo.cell(sitemap, /mean/, /^value/)), ' ms', undefined);
    add(
      'seo',
      'character JSON req/s ÷ healthz',
      num(seo.cell(pages, /^\/api\/characters/, /^ratio/)),
      '×',
    );
    add(
      'seo',
      'SEO character page req/s ÷ healthz',
      num(seo.cell(pages, /^\/api\/seo\/c\/[^ ]*$/, /^ratio/)),
      '×',
    );
    add(
      'seo',
      'SEO character page req/s ÷ healthz, cache off',
      num(seo.cell(pages, /^\/api\/seo\/c\/.*cache off/, /^ratio/)),
      '×',
    );
  }

  const chat = of('chat');
  if (chat) {
    const t = /^Added by the API/;
    const ttft50 = /^TTFT p50/;
    add('chat', 'added TTFT p50, 1 stream', num(chat.cell(t, '1', ttft50)), ' ms', {
      limit: 5,
      op: '≤',
    });
    add('chat', 'added TTFT p50, 100 streams', num(chat.cell(t, '100', ttft50)), ' ms', {
      limit: 10,
      op: '≤',
    });
    add('chat', 'added TTFT p99, 100 streams', num(chat.cell(t, '100', /^TTFT p99/)), ' ms', {
      limit: 20,
      op: '≤',
    });
    add('chat', 'added TTFT p50, 1,000 streams', num(chat.cell(t, '1000', ttft50)), ' ms');
    for (const streams of ['1', '100', '1000']) {
      add(
        'chat',
        `added total p50, ${streamsLabel(streams)}`,
        num(chat.cell(t, streams, /^total p50/)),
        ' ms',
        streams === '1000' ? undefined : { limit: 5, op: '≤' },
      );
    }
    add('chat', 'errors at 1,000 streams', num(chat.cell(t, '1000', /^errors/)), '', {
      limit: 0,
      op: '=',
    });
    // Issue #25: a reply's CPU next to a bare pipe proxy's, and TTFT next to the proxy's.
    const vs = /^API vs a bare pipe proxy/;
    add(
      'chat',
      'API+PostgreSQL CPU per reply ÷ bare proxy, 100 streams',
      num(chat.cell(vs, '100', /^CPU ratio API/)),
      '×',
      { limit: 4, op: '≤' },
    );
    // The second floor: the least a server that parses the model's stream must do.
    add(
      'chat',
      'openai SDK relay CPU per stream ÷ bare proxy, 100 streams',
      num(chat.cell(vs, '100', /^CPU ratio relay/)),
      '×',
    );
    add(
      'chat',
      'bare proxy CPU per stream, 100 streams',
      num(chat.cell(vs, '100', /^proxy CPU/)),
      ' ms',
    );
    add(
      'chat',
      'openai SDK relay CPU per stream, 100 streams',
      num(chat.cell(vs, '100', /^relay CPU/)),
      ' ms',
    );
    add(
      'chat',
      'added TTFT p50, 1 stream (issue #25)',
      num(chat.cell(vs, '1', /^API added TTFT p50/)),
      ' ms',
      { limit: 4, op: '≤' },
    );
    for (const streams of ['1', '100']) {
      add(
        'chat',
        `bare proxy added TTFT p50, ${streamsLabel(streams)}`,
        num(chat.cell(vs, streams, /^proxy added TTFT p50/)),
        ' ms',
      );
      add(
        'chat',
        `openai SDK relay added TTFT p50, ${streamsLabel(streams)}`,
        num(chat.cell(vs, streams, /^relay added TTFT p50/)),
        ' ms',
      );
    }
    add(
      'chat',
      'API process CPU per reply, 100 streams',
      num(chat.cell(t, '100', /^API CPU ms\/reply/)),
      ' ms',
    );
    add(
      'chat',
      'PostgreSQL CPU per reply (bench database), 100 streams',
      num(chat.cell(t, '100', /^PostgreSQL CPU ms\/reply/)),
      ' ms',
    );
    add(
      'chat',
      'whole-machine CPU per reply through the API, 100 streams',
      num(chat.cell(t, '100', /^machine CPU ms\/reply/)),
      ' ms',
    );
    for (const streams of ['1', '100', '1000']) {
      add(
        'chat',
        // Issue #25: no more than the 356 MiB measured when it was filed.
        `API peak RSS, ${streamsLabel(streams)}${streams === '1000' ? ' (issue #25)' : ''}`,
        num(chat.cell(t, streams, /RSS/)),
        ' MiB',
        streams === '1000' ? { limit: 356, op: '≤' } : undefined,
      );
    }
    // The line bench:chat prints has the unrounded ratio; else it comes from the table.
    const printed = /100,000 \/ 100 build p50 ratio: ([\d.]+)/.exec(chat.output)?.[1];
    const context = /^Context build/;
    const build = (size: string) => num(chat.cell(context, size, /^build p50/));
    add(
      'chat',
      'context build 100,000 / 100 messages, p50 ratio',
      printed ? Number(printed) : build('100,000') / build('100'),
      '',
      { limit: 1.5, op: '≤', digits: 3 },
    );
    const tree = /tree of ([\d,]+ in [\d,]+ branches) \/ 100 build p50 ratio: ([\d.]+)/.exec(
      chat.output,
    );
    add(
      'chat',
      `context build, tree of ${tree?.[1] ?? '100,000 in 1,000 branches'} / 100 messages, p50 ratio`,
      tree ? Number(tree[2]) : build('100,000 in 1,000 branches') / build('100'),
      '',
      { limit: 1.5, op: '≤', digits: 3 },
    );
  }
  return rows;
}

// ---- The report. ----

const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');

function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** Output lines that are not part of a printed table (notes, verdicts, logs, errors). */
function otherOutput(output: string): string {
  const lines = output.split('\n');
  const titles = new Set<number>();
  lines.forEach((line, i) => {
    // printTable: "", title, "", then the table lines.
    if (line.startsWith('|') && !lines[i - 1]?.startsWith('|')) titles.add(i - 2);
  });
  return lines
    .filter((line, i) => !line.startsWith('|') && !titles.has(i))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function status(r: BenchRun, timeoutMs: number): string {
  const minutes = `${(r.durationMs / 60_000).toFixed(1)} min`;
  if (r.exitCode === null && !r.signal && !r.timedOut) return `not run: ${r.error ?? 'skipped'}`;
  if (r.timedOut) return `**FAILED**: killed after ${timeoutMs / 60_000} min`;
  if (r.exitCode === 0) return `ok (${minutes})`;
  return `**FAILED** (${r.signal ? `signal ${r.signal}` : `exit code ${r.exitCode}`}${r.error ? `, ${r.error}` : ''}; ${minutes})`;
}

export interface ReportInput {
  started: Date;
  machine: Array<[string, string]>;
  build?: { ok: boolean; output: string; durationMs: number };
  runs: BenchRun[];
  /** The benchmarks asked for, when not all of them (BENCH_ONLY). */
  only?: string[];
  timeoutMs: number;
}

export function report({ started, machine, build, runs, only, timeoutMs }: ReportInput): string {
  const partial = only ? ` — partial run (${only.join(', ')})` : '';
  const parts: string[] = [
    `# Benchmark results${partial}`,
    '',
    `Written by \`npm run bench\` (bench/run-all.ts) on ${started.toISOString()}; every ratio ` +
      'compares numbers measured in the same run. See bench/README.md for what each benchmark ' +
      'does and the notes on earlier results.',
    '',
    '## Machine',
    '',
    markdownTable(['', 'value'], machine),
    '',
    '## Summary',
    '',
    markdownTable(
      ['benchmark', 'measure', 'target', 'measured', ''],
      summarize(runs).map((row) => [row.bench, row.measure, row.target, row.measured, row.verdict]),
    ),
    '',
    markdownTable(
      ['benchmark', 'status'],
      [
        ...(build
          ? [['build', build.ok ? `ok (${(build.durationMs / 1000).toFixed(0)} s)` : '**FAILED**']]
          : []),
        ...runs.map((r) => [`\`bench:${r.bench.name}\``, status(r, timeoutMs)]),
      ],
    ),
  ];
  if (build && !build.ok) {
    parts.push('', '### Build output', '', '```text', build.output.trim().slice(-8000), '```');
  }
  for (const r of runs) {
    parts.push('', `## ${r.bench.title} (\`bench:${r.bench.name}\`)`, '', status(r, timeoutMs));
    for (const table of r.tables) {
      parts.push('', `**${table.title}**`, '', markdownTable(table.header, table.rows));
    }
    const rest = otherOutput(r.output);
    if (rest) {
      parts.push(
        '',
        r.exitCode === 0 && r.tables.length > 0
          ? '<details><summary>other output</summary>\n\n```text'
          : '```text',
        rest.length > 20_000 ? `…${rest.slice(-20_000)}` : rest,
        r.exitCode === 0 && r.tables.length > 0 ? '```\n\n</details>' : '```',
      );
    }
  }
  return `${parts.join('\n')}\n`;
}
