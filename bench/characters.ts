// Catalogue benchmark: seeds 1k and then 100k public characters and measures p50/p99 of
// list, filter and search through the compiled API. The 100k/1k ratio must stay ≤ 2: every
// catalogue query is served by an index, so a page costs the same whatever the catalogue size.
// Latency is measured on an instance with the anonymous catalogue cache off (it measures the
// queries); throughput at 100k on two instances of the same build over the same database, one
// with the cache (as deployed) and one without, next to /api/healthz in the same run.
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

const QUERIES: Record<string, string> = {
  'list popular, page 1': '/api/characters?sort=popular',
  'list new, page 5': '/api/characters?sort=new&page=5',
  'list top voted': '/api/characters?sort=top&page_size=50',
  'list trending': '/api/characters?sort=trending',
  'filter tag': '/api/characters?tag=pirate',
  'filter structured tag + language': '/api/characters?structured_tag=sci-fi&language=en',
  'search (typo)': '/api/characters?q=captian',
  'search (rare word)': '/api/characters?q=lighthouse',
};
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? smokeOr(200, 3));
/** The two catalogue sizes compared ("1k" and "100k" in the tables). */
const [SMALL, LARGE] = smokeOr([1_000, 100_000], [50, 200]);
const WARM_UP = smokeOr(20, 1);

/** Inserts characters in one statement per batch; names and tags vary so indexes see real spread. */
async function seed(client: pg.Client, total: number): Promise<void> {
  await client.query(`
    INSERT INTO app_user (id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'seed@bench.test')
    ON CONFLICT DO NOTHING`);
  const existing = Number((await client.query(`SELECT count(*) FROM character`)).rows[0].count);
  const batch = 10_000;
  for (let start = existing; start < total; start += batch) {
    const end = Math.min(total, start + batch);
    await client.query(
      `INSERT INTO character (slug, owner_id, name, description, tags, structured_tags, is_public, avatar_url,
                              content_rating, languages, real_chat_count, vote_score, trending_score, search_text, created_at)
       SELECT 'seed-' || n,
              '00000000-0000-0000-0000-000000000001',
              name, description, tags, ARRAY[(ARRAY['sci-fi','fantasy','romance','horror','mystery'])[1 + n % 5]],
              true, '/api/avatars/seed.png',
              CASE WHEN n % 10 = 0 THEN 'nsfw' ELSE 'sfw' END,
              ARRAY['en'],
              ((n::bigint * 7919) % 5000)::int, ((n::bigint * 104729) % 400 - 200)::int, ((n * 31) % 1000) / 10.0,
              lower(name || ' ' || description || ' ' || array_to_string(tags, ' ')),
              now() - make_interval(secs => n)
       FROM (
         SELECT n,
                (ARRAY['Captain','Brother','Lady','Doctor','Agent','Sister','Lord','Professor'])[1 + n % 8] || ' ' ||
                  (ARRAY['Mira','Anselm','Vance','Kira','Orin','Lysa','Tomas','Elena','Rurik','Nadia'])[1 + (n / 8) % 10] || ' ' || n AS name,
                (ARRAY['A smuggler captain of a starship','A quiet scribe in a mountain monastery',
                       'A detective in a rainy city','A keeper of an old lighthouse',
                       'A court mage with a secret','A mercenary with a code of honour'])[1 + n % 6] ||
                  CASE WHEN n % 997 = 0 THEN ' who guards the lighthouse' ELSE '' END AS description,
                ARRAY[(ARRAY['space','pirate','medieval','noir','magic','western','school','office'])[1 + n % 8],
                      (ARRAY['drama','comedy','adventure','romance'])[1 + n % 4]] AS tags
         FROM generate_series($1::int, $2::int - 1) AS n
       ) AS rows`,
      [start, end],
    );
  }
  // As a live catalogue would be: otherwise autovacuum wakes up on the fresh rows in the
  // middle of a measurement and the p99 measures it.
  await client.query(`VACUUM ANALYZE character`);
}

async function measure(baseUrl: string): Promise<Record<string, { p50: number; p99: number }>> {
  const results: Record<string, { p50: number; p99: number }> = {};
  for (const [label, path] of Object.entries(QUERIES)) {
    for (let i = 0; i < WARM_UP; i++) await (await fetch(baseUrl + path)).arrayBuffer();
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      const res = await fetch(baseUrl + path);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      samples.push(performance.now() - started);
    }
    results[label] = summarize(samples);
  }
  return results;
}

const database = await createBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
/** The cache off: every request runs the query. */
const app = await startApp({
  DATABASE_URL: database.url,
  RATE_LIMIT_SCALE: '0',
  CATALOGUE_CACHE_TTL_MS: '0',
});
let loadedApp: Awaited<ReturnType<typeof startApp>> | undefined;
try {
  await client.connect();
  await seed(client, SMALL);
  const small = await measure(app.url);
  const seedStarted = performance.now();
  await seed(client, LARGE);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const large = await measure(app.url);
  await app.stop();
  // Throughput at 100k next to /api/healthz, in the same run: the cache on (as deployed), then
  // off, on the same database; one instance at a time, so neither steals the other's CPU. Each
  // round loads healthz and then the endpoint back to back (pairedRatio).
  const LOADED = ['list popular, page 1', 'filter tag', 'search (typo)'] as const;
  const measureThroughput = async (cache: boolean) => {
    loadedApp = await startApp({
      DATABASE_URL: database.url,
      RATE_LIMIT_SCALE: '0',
      ...(cache ? {} : { CATALOGUE_CACHE_TTL_MS: '0' }),
    });
    const results: PairedRatio[] = [];
    for (const label of LOADED) {
      results.push(
        await pairedRatio(`${loadedApp.url}/api/healthz`, loadedApp.url + QUERIES[label]),
      );
    }
    await loadedApp.stop();
    return results;
  };
  const cached = await measureThroughput(true);
  const uncached = await measureThroughput(false);

  printTable(
    `Catalogue latency through the API, ${SAMPLES} sequential requests each (ms); 100k seeded in ${fmt(seedSeconds, 1)} s`,
    ['query', '1k p50', '1k p99', '100k p50', '100k p99', 'ratio p50', 'ratio p99'],
    Object.keys(QUERIES).map((label) => [
      label,
      fmt(small[label].p50),
      fmt(small[label].p99),
      fmt(large[label].p50),
      fmt(large[label].p99),
      fmt(large[label].p50 / small[label].p50),
      fmt(large[label].p99 / small[label].p99),
    ]),
  );
  printTable(
    'Catalogue throughput at 100k characters vs /api/healthz (autocannon, 10 connections; rounds of healthz then the endpoint, 3 s each; median round, spread in brackets; anonymous cache on, then off)',
    [
      'endpoint',
      'req/s',
      'p50 ms',
      'healthz req/s',
      'ratio to healthz',
      'uncached req/s',
      'uncached p50 ms',
      'uncached ratio',
    ],
    LOADED.map((label, i) => [
      label,
      fmt(cached[i].result.requestsPerSecond, 0),
      cached[i].result.latencyP50,
      fmt(cached[i].baseline.requestsPerSecond, 0),
      fmtSpread(cached[i]),
      fmt(uncached[i].result.requestsPerSecond, 0),
      uncached[i].result.latencyP50,
      fmtSpread(uncached[i]),
    ]),
  );
} finally {
  await app.stop();
  await loadedApp?.stop();
  await client.end().catch(() => undefined);
  await database.drop();
}
