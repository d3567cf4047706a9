// LLM provider layer overhead. The same streams, in the same run, once straight from the fake
// upstream with the bare openai SDK and once through LlmService (registry, availability
// check, model choice, fallback wrapper, think-tag filter, usage), at 1, 10 and 100 concurrent
// streams. Upstream (bench/llm-upstream.ts, its own process): first token after 10 ms, then
// one every 10 ms, 20 tokens.
//
// tsx emits no decorator metadata, so Nest's DI cannot run here: the services are built by
// hand, with their real repositories on a throwaway database.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { DataSource } from 'typeorm';
import { MailService } from '../src/common/mail/mail.service.js';
import { MetricsService } from '../src/common/metrics/metrics.service.js';
import { KeyValueEntity } from '../src/common/settings/key-value.entity.js';
import { KeyValueRepository } from '../src/common/settings/key-value.repository.js';
import { SettingsService } from '../src/common/settings/settings.service.js';
import { loadConfiguration } from '../src/config/configuration.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { LlmAvailabilityRepository } from '../src/llm/availability/llm-availability.repository.js';
import { ProviderAvailabilityService } from '../src/llm/availability/provider-availability.service.js';
import { Clock } from '../src/llm/clock.js';
import { LlmModelCooldownEntity } from '../src/llm/entities/llm-model-cooldown.entity.js';
import { LlmProviderBlockEntity } from '../src/llm/entities/llm-provider-block.entity.js';
import { LlmService } from '../src/llm/llm.service.js';
import { nodeHttpFetch } from '../src/llm/providers/node-http-fetch.js';
import { LlmProviderRegistry } from '../src/llm/providers/provider-registry.js';
import { BackgroundBudget } from '../src/llm/usage/background-budget.service.js';
import { BackgroundSpendRepository } from '../src/llm/usage/background-spend.repository.js';
import { TokenEstimator } from '../src/llm/usage/token-estimator.js';
import { createBenchDatabase, fmt, printTable, rssMiB, smokeOr, summarize } from './lib.js';

const LEVELS = smokeOr(
  [
    { streams: 1, rounds: 100 },
    { streams: 10, rounds: 30 },
    { streams: 100, rounds: 40 },
  ],
  [{ streams: 1, rounds: 2 }],
);
const MODEL = 'llama-3.3-70b-versatile';
const messages = [
  { role: 'system' as const, content: 'You are Luna, a witty innkeeper.' },
  { role: 'user' as const, content: 'Any rooms free tonight?' },
];

interface Sample {
  ttft: number;
  total: number;
}

const upstream = fork(new URL('./llm-upstream.ts', import.meta.url));
const [baseURL] = (await once(upstream, 'message')) as [string];
const database = await createBenchDatabase();
try {
  const config = loadConfiguration({
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-llm-')),
    GROQ_API_KEY: 'bench',
    GROQ_BASE_URL: baseURL,
  });
  const dataSource = new DataSource(
    dataSourceOptions({ ...config.database, url: database.url }, [
      KeyValueEntity,
      LlmProviderBlockEntity,
      LlmModelCooldownEntity,
    ]),
  );
  await dataSource.initialize();
  await dataSource.runMigrations();

  const settings = new SettingsService(
    new KeyValueRepository(dataSource.getRepository(KeyValueEntity)),
  );
  const availability = new ProviderAvailabilityService(
    new LlmAvailabilityRepository(
      dataSource.getRepository(LlmProviderBlockEntity),
      dataSource.getRepository(LlmModelCooldownEntity),
    ),
    settings,
    new MailService(config),
    new Clock(),
    config,
  );
  // The app's metrics too: counting each attempt is part of the layer's cost.
  const metrics = new MetricsService(dataSource);
  const registry = new LlmProviderRegistry(config, availability, new TokenEstimator(), metrics);
  const budget = new BackgroundBudget(
    new BackgroundSpendRepository(dataSource),
    settings,
    new MailService(config),
    config,
  );
  const llm = new LlmService(config, registry, availability, budget, metrics);
  // The transport the providers use, so the difference is the layer's own work.
  const sdk = new OpenAI({ apiKey: 'bench', baseURL, maxRetries: 0, fetch: nodeHttpFetch });

  const direct = async (): Promise<Sample> => {
    const started = performance.now();
    let ttft = NaN;
    const stream = await sdk.chat.completions.create({
      model: MODEL,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (Number.isNaN(ttft) && chunk.choices[0]?.delta.content) ttft = performance.now() - started;
    }
    return { ttft, total: performance.now() - started };
  };

  const throughLayer = async (): Promise<Sample> => {
    const started = performance.now();
    let ttft = NaN;
    for await (const event of llm.stream({ provider: 'groq', messages })) {
      if (Number.isNaN(ttft) && event.type === 'delta') ttft = performance.now() - started;
    }
    return { ttft, total: performance.now() - started };
  };

  const batch = (run: () => Promise<Sample>, streams: number) =>
    Promise.all(Array.from({ length: streams }, run));

  // Warm-up: JIT, keep-alive connections, the availability snapshot.
  for (let i = 0; i < smokeOr(20, 1); i++) await Promise.all([direct(), throughLayer()]);

  const rows: Array<Array<string | number>> = [];
  const summary: Array<Array<string | number>> = [];
  for (const { streams, rounds } of LEVELS) {
    const samples = { direct: [] as Sample[], layer: [] as Sample[] };
    for (let round = 0; round < rounds; round++) {
      // Alternate which path goes first so neither always meets a warmer process.
      const order =
        round % 2 === 0 ? (['direct', 'layer'] as const) : (['layer', 'direct'] as const);
      for (const path of order) {
        samples[path].push(...(await batch(path === 'direct' ? direct : throughLayer, streams)));
      }
    }
    const stats = (list: Sample[]) => ({
      ttft: summarize(list.map((sample) => sample.ttft)),
      total: summarize(list.map((sample) => sample.total)),
    });
    const d = stats(samples.direct);
    const l = stats(samples.layer);
    for (const [path, s] of [
      ['upstream (bare SDK)', d],
      ['provider layer', l],
    ] as const) {
      rows.push([
        streams,
        path,
        fmt(s.ttft.p50),
        fmt(s.ttft.p99),
        fmt(s.total.p50),
        fmt(s.total.p99),
      ]);
    }
    const target = streams === 1 ? 1 : 2;
    const addedTtft = l.ttft.p50 - d.ttft.p50;
    summary.push([
      streams,
      samples.layer.length,
      fmt(addedTtft),
      fmt(l.ttft.p50 / d.ttft.p50, 3),
      fmt(l.total.p50 - d.total.p50),
      fmt(l.total.p50 / d.total.p50, 3),
      streams === 10 ? '' : `≤ ${target} ms: ${addedTtft <= target ? 'met' : 'MISSED'}`,
      fmt(rssMiB(), 0),
    ]);
  }

  printTable(
    'LLM streams: time to first token and total time (ms)',
    ['streams', 'path', 'TTFT p50', 'TTFT p99', 'total p50', 'total p99'],
    rows,
  );
  printTable(
    'Added by the provider layer (p50 layer − p50 upstream; ratio layer / upstream)',
    [
      'streams',
      'samples',
      'added TTFT',
      'TTFT ratio',
      'added total',
      'total ratio',
      'target',
      'RSS MiB',
    ],
    summary,
  );
  await dataSource.destroy();
} finally {
  upstream.disconnect();
  await database.drop();
}
