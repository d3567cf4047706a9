// Baseline benchmark: start-up time to ready (database already up) and /api/healthz
// throughput. Later benchmarks divide their numbers by these, measured in the same run.
import { createBenchDatabase, fmt, load, printTable, startApp } from './lib.js';

const database = await createBenchDatabase();
try {
  // First start applies migrations to the empty database; the second is a plain restart.
  const cold = await startApp({ DATABASE_URL: database.url });
  await cold.stop();
  const warm = await startApp({ DATABASE_URL: database.url });
  const healthz = await load({ url: `${warm.url}/api/healthz`, connections: 10, duration: 5 });
  const readyz = await load({ url: `${warm.url}/api/readyz`, connections: 10, duration: 5 });
  await warm.stop();

  printTable(
    'Baseline (compiled app, NODE_ENV=production, 10 connections, 5 s each)',
    ['measure', 'value', 'ratio to baseline'],
    [
      [
        'start-up to ready, fresh database (ms)',
        fmt(cold.startupMs, 0),
        fmt(cold.startupMs / warm.startupMs),
      ],
      ['start-up to ready, migrated database (ms) — baseline', fmt(warm.startupMs, 0), '1.00'],
      ['GET /api/healthz (req/s) — baseline', fmt(healthz.requestsPerSecond, 0), '1.00'],
      [
        'GET /api/healthz p50 / p99 latency (ms)',
        `${healthz.latencyP50} / ${healthz.latencyP99}`,
        '',
      ],
      [
        'GET /api/readyz (req/s)',
        fmt(readyz.requestsPerSecond, 0),
        fmt(readyz.requestsPerSecond / healthz.requestsPerSecond),
      ],
      ['errors + non-2xx', healthz.errors + healthz.non2xx + readyz.errors + readyz.non2xx, ''],
    ],
  );
} finally {
  await database.drop();
}
