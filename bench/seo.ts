// SEO benchmark: seeds 100k public characters that pass the quality gate, then
// - generates the whole sitemap (index + every file) through the compiled API, timing it and
//   sampling the app process's VmRSS: streaming with keyset pages must keep the peak growth
//   under 50 MB whatever the catalogue size (over the runs after a first whole pass, which
//   also warms the JIT and grows V8's young generation; what grows after it is garbage a
//   full GC returns: bench/README.md);
// - loads a character page with autocannon next to /api/healthz (the baseline), with the
//   anonymous catalogue cache on (as deployed), then on an instance with it off.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  createBenchDatabase,
  fmt,
  fmtSpread,
  type PairedRatio,
  pairedRatio,
  printTable,
  smokeOr,
  startApp,
  summarize,
} from './lib.js';

const CHARACTERS = smokeOr(100_000, 200);
const RSS_LIMIT_MIB = 50;
const SITEMAP_RUNS = Number(process.env.BENCH_SITEMAP_RUNS ?? smokeOr(3, 1));

/** Quality-gated characters (public, sfw, avatar, long description, greeting), in batches. */
async function seed(client: pg.Client, total: number): Promise<void> {
  await client.query(`
    INSERT INTO app_user (id, email, display_name)
    VALUES ('00000000-0000-0000-0000-000000000001', 'seed@bench.test', 'Bench Writer')
    ON CONFLICT DO NOTHING`);
  const batch = 10_000;
  for (let start = 0; start < total; start += batch) {
    await client.query(
      `INSERT INTO character (slug, owner_id, name, description, greeting, personality, scenario,
                              tags, structured_tags, is_public, avatar_url, languages,
                              real_chat_count, vote_score, created_at)
       SELECT 'seed-' || n, '00000000-0000-0000-0000-000000000001',
              (ARRAY['Captain','Lady','Doctor','Agent','Sister','Lord'])[1 + n % 6] || ' ' ||
                (ARRAY['Mira','Anselm','Vance','Kira','Orin','Lysa','Tomas'])[1 + (n / 6) % 7] || ' ' || n,
              (ARRAY['A smuggler captain of a starship who owes money to every port on the rim',
                     'A quiet scribe in a mountain monastery who copies forbidden books at night',
                     'A detective in a rainy city who solves cases by listening to the rain',
                     'A keeper of an old lighthouse who trades stories for news of the mainland'])[1 + n % 4]
                || ', and keeps a secret or two of their own.',
              '*Looks up from the work.* Oh. I did not expect anyone tonight.',
              'Patient, dry humour, stubborn about small things.',
              'A long night, a closed door, and a knock.',
              ARRAY[(ARRAY['space','pirate','noir','magic','dnd'])[1 + n % 5]],
              ARRAY[(ARRAY['sci-fi','fantasy','mystery','romance','adventure'])[1 + n % 5]],
              true, '/api/avatars/seed.png', ARRAY['en'],
              ((n::bigint * 7919) % 5000)::int, ((n::bigint * 104729) % 400 - 200)::int,
              timestamp '2025-01-01' + make_interval(secs => n)
       FROM generate_series($1::int, $2::int - 1) AS n`,
      [start, Math.min(total, start + batch)],
    );
  }
  await client.query(`ANALYZE character`);
}

const rssMiBOf = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
};

/** Reads a response to the end without keeping it, counting bytes and <loc> entries. */
async function drain(url: string): Promise<{ bytes: number; locs: string[] }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const decoder = new TextDecoder();
  let bytes = 0;
  let tail = '';
  const locs: string[] = [];
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const text = tail + decoder.decode(chunk, { stream: true });
    const cut = text.lastIndexOf('</loc>');
    for (const match of text.slice(0, cut + 6).matchAll(/<loc>([^<]*)<\/loc>/g)) {
      if (match[1].includes('/api/seo/sitemap-')) locs.push(match[1]);
    }
    tail = text.slice(cut + 6);
  }
  return { bytes, locs };
}

const database = await createBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
const app = await startApp({ DATABASE_URL: database.url, RATE_LIMIT_SCALE: '0' });
const pid = app.process.pid!;
try {
  await client.connect();
  const seedStarted = performance.now();
  await seed(client, CHARACTERS);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  let totalBytes = 0;
  let files = 0;
  const wholeSitemap = async () => {
    const index = await drain(`${app.url}/api/seo/sitemap.xml`);
    totalBytes = index.bytes;
    files = index.locs.length;
    for (const loc of index.locs) {
      totalBytes += (await drain(`${app.url}${new URL(loc).pathname}`)).bytes;
    }
  };
  /** VmRSS before `run` and its peak during it, sampled every 10 ms. */
  const peakGrowth = async (run: () => Promise<void>) => {
    const before = rssMiBOf(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiBOf(pid))), 10);
    try {
      await run();
    } finally {
      clearInterval(sampler);
    }
    return { before, peak: Math.max(peak, rssMiBOf(pid)) };
  };

  // One whole pass first, not measured against the limit: it also grows V8's young generation
  // to its working size, which on Node 24 is up to 128 MiB (sized by the heap limit, once per
  // process, whatever the sitemap's size), and warms the JIT. The passes after it are held to
  // the limit; their growth is mostly garbage awaiting V8's next full GC (bench/README.md).
  const first = await peakGrowth(wholeSitemap);
  const runs: number[] = [];
  const measured = await peakGrowth(async () => {
    for (let run = 0; run < SITEMAP_RUNS; run++) {
      const started = performance.now();
      await wholeSitemap();
      runs.push(performance.now() - started);
    }
  });
  const { before: baseline, peak } = measured;
  const growth = peak - baseline;
  const sitemapTimes = summarize(runs);

  const slug = `seed-${Math.min(4242, CHARACTERS - 1)}`;
  const healthz = `${app.url}/api/healthz`;
  const api = await pairedRatio(healthz, `${app.url}/api/characters/${slug}`);
  const page = await pairedRatio(healthz, `${app.url}/api/seo/c/${slug}`);
  await app.stop();
  const uncachedApp = await startApp({
    DATABASE_URL: database.url,
    RATE_LIMIT_SCALE: '0',
    CATALOGUE_CACHE_TTL_MS: '0',
  });
  let uncachedPage: PairedRatio;
  try {
    uncachedPage = await pairedRatio(
      `${uncachedApp.url}/api/healthz`,
      `${uncachedApp.url}/api/seo/c/${slug}`,
    );
  } finally {
    await uncachedApp.stop();
  }

  printTable(
    `Sitemap of ${CHARACTERS.toLocaleString('en')} quality-gated characters (seeded in ${fmt(seedSeconds, 1)} s): index + ${files} files, ${SITEMAP_RUNS} runs after a first pass`,
    ['measure', 'value'],
    [
      ['whole sitemap, mean (ms)', fmt(sitemapTimes.mean, 0)],
      ['whole sitemap, best (ms)', fmt(Math.min(...runs), 0)],
      ['bytes per run', totalBytes.toLocaleString('en')],
      [
        'first pass (not timed): VmRSS before → peak (MiB)',
        `${fmt(first.before, 1)} → ${fmt(first.peak, 1)}`,
      ],
      ['app VmRSS before (MiB)', fmt(baseline, 1)],
      ['app VmRSS peak (MiB)', fmt(peak, 1)],
      ['peak growth (MiB)', fmt(growth, 1)],
      [`limit (MiB)`, String(RSS_LIMIT_MIB)],
    ],
  );
  printTable(
    'Character page throughput vs /api/healthz (autocannon, 10 connections; rounds of healthz then the endpoint, 3 s each; median round, spread in brackets; the last row on an instance with the anonymous cache off)',
    ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'healthz req/s', 'ratio to healthz'],
    (
      [
        [`/api/characters/${slug} (JSON, for reference)`, api],
        [`/api/seo/c/${slug}`, page],
        [`/api/seo/c/${slug} (cache off)`, uncachedPage],
      ] as const
    ).map(([endpoint, paired]) => [
      endpoint,
      fmt(paired.result.requestsPerSecond, 0),
      paired.result.latencyP50,
      paired.result.latencyP99,
      fmt(paired.baseline.requestsPerSecond, 0),
      fmtSpread(paired),
    ]),
  );
  if (growth >= RSS_LIMIT_MIB) {
    console.error(`FAIL: sitemap peak RSS growth ${fmt(growth, 1)} MiB ≥ ${RSS_LIMIT_MIB} MiB`);
    process.exitCode = 1;
  }
} finally {
  await app.stop();
  await client.end().catch(() => undefined);
  await database.drop();
}
