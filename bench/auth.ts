// Auth benchmark: login throughput (argon2id verification per request), and whether hashing
// stays off the event loop: /api/healthz latency while logins run, against idle healthz in the
// same run. Needs `npm run build` first (npm run bench:auth does it).
import { availableParallelism } from 'node:os';
import { BROWSER_HEADERS, solveChallenge } from '../test/support/auth.js';
import {
  createBenchDatabase,
  fmt,
  load,
  printTable,
  smokeOr,
  startApp,
  type LoadResult,
} from './lib.js';

const DURATION_S = smokeOr(10, 1);
const LOGIN_CONNECTIONS = 16;
const HEALTHZ_CONNECTIONS = 10;
const credentials = { email: 'bench@example.com', password: 'correct horse battery staple' };

async function registerBenchUser(url: string): Promise<void> {
  const { challenge, difficulty } = (await (await fetch(`${url}/api/auth/challenge`)).json()) as {
    challenge: string;
    difficulty: number;
  };
  const res = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...BROWSER_HEADERS },
    body: JSON.stringify({
      ...credentials,
      challenge,
      nonce: solveChallenge(challenge, difficulty),
    }),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
}

const database = await createBenchDatabase();
try {
  // Rate limits off: the benchmark is one client hammering login on purpose.
  const app = await startApp({ DATABASE_URL: database.url, RATE_LIMIT_SCALE: '0' });
  try {
    await registerBenchUser(app.url);
    const healthz = {
      url: `${app.url}/api/healthz`,
      connections: HEALTHZ_CONNECTIONS,
      duration: DURATION_S,
    };
    const login = {
      url: `${app.url}/api/auth/login`,
      method: 'POST' as const,
      headers: { 'Content-Type': 'application/json', ...BROWSER_HEADERS },
      body: JSON.stringify(credentials),
      connections: LOGIN_CONNECTIONS,
      duration: DURATION_S,
    };

    const idle = await load(healthz);
    const loginAlone = await load(login);
    const [loginBusy, healthzBusy] = await Promise.all([load(login), load(healthz)]);

    const failures = (r: LoadResult) => r.errors + r.non2xx;
    const row = (name: string, r: LoadResult, baseline?: LoadResult): Array<string | number> => [
      name,
      fmt(r.requestsPerSecond, 0),
      r.latencyP50,
      r.latencyP99,
      baseline ? fmt(r.latencyP50 / baseline.latencyP50) : '1.00',
      baseline ? fmt(r.latencyP99 / baseline.latencyP99) : '1.00',
      failures(r),
    ];
    printTable(
      `Auth (compiled app, ${availableParallelism()} CPUs, libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4}, ` +
        `${DURATION_S} s each; ratios against idle healthz)`,
      ['measure', 'req/s', 'p50 ms', 'p99 ms', 'p50 ratio', 'p99 ratio', 'errors + non-2xx'],
      [
        row(`GET /api/healthz, idle (${HEALTHZ_CONNECTIONS} conn) — baseline`, idle),
        row(`POST /api/auth/login alone (${LOGIN_CONNECTIONS} conn)`, loginAlone, idle),
        row(`POST /api/auth/login with healthz running`, loginBusy, idle),
        row(`GET /api/healthz while logins hash`, healthzBusy, idle),
      ],
    );
  } finally {
    await app.stop();
  }
} finally {
  await database.drop();
}
