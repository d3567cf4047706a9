import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthUser } from '../../src/common/auth/auth-user.js';
import { MessageQuotaService } from '../../src/auth/usage/message-quota.service.js';
import { JobQueue, PermanentJobError } from '../../src/common/jobs/job-queue.service.js';
import { SettingsService } from '../../src/common/settings/settings.service.js';
import {
  eventually,
  llmEnv,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
} from '../chat/chat-support.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { PROMTOOL_MISSING, promtoolStatus } from '../support/promtool.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/** One sample of the text exposition: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} is ambiguous`);
  return found[0]?.value;
}

const promtool = promtoolStatus();
/** The promtool checks: skipped where promtool is missing and not required, else run (and
 * failed at once where it is required but missing). */
const promtoolIt = (title: string, check: () => void | Promise<void>) =>
  promtool === 'skip'
    ? it.skip(`${title} (SKIPPED: promtool is not installed; apt-get install prometheus)`, check)
    : it(title, async () => {
        if (promtool === 'missing') throw new Error(PROMTOOL_MISSING);
        await check();
      });

/** The PromQL of every panel of the shipped Grafana dashboard, Grafana's variables filled in. */
const dashboardQueries = (): string[] => {
  const dashboard = JSON.parse(readFileSync('deploy/grafana-dashboard.json', 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  return dashboard.panels
    .flatMap((panel) => panel.targets ?? [])
    .map((target) => target.expr.replaceAll('$__rate_interval', '5m'));
};

/** What this service adds to /metrics, each charted by the dashboard. */
const SERVICE_FAMILIES = [
  'llm_requests_total',
  'llm_request_failures_total',
  'llm_fallbacks_total',
  'llm_first_token_seconds',
  'llm_request_duration_seconds',
  'llm_tokens_total',
  'sse_streams_open',
  'chat_replies_in_flight',
  'job_queue_depth',
  'job_queue_oldest_age_seconds',
  'job_runs_total',
  'job_run_duration_seconds',
  'rate_limit_refusals_total',
  'quota_refusals_total',
  'violations_total',
  'bans_issued_total',
  'bans_lifted_total',
  'moderation_checks_total',
  'moderation_hits_total',
  'moderation_provider_duration_seconds',
  'moderation_provider_failures_total',
  'catalogue_cache_lookups_total',
  'catalogue_cache_invalidations_total',
  'recall_rerank_fallbacks_total',
  'notifications_raised_total',
  'proactive_messages_total',
  'digest_mails_sent_total',
];

describe('service metrics at /api/metrics', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let owner: TestUser;
  let character: { id: string };

  const scrape = async (): Promise<Sample[]> =>
    parseSamples((await t.http.get('/api/metrics').expect(200)).text);

  beforeAll(async () => {
    fake = await startFakeLlm();
    // Rate limits on, as in production: one of them is what a test below counts.
    t = await createTestApp({ env: llmEnv(fake) });
    owner = await createUser(t);
    character = await publicCharacter(t, owner);
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('counts upstream requests, failures, fallbacks, latencies and tokens per provider and model', async () => {
    const user = await createUser(t);
    const chatId = await openChat(t, user.auth, character.id);
    fake.script(
      { fault: 'status', status: 500 },
      {
        content: 'The storm is close.',
        usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
      },
    );
    const { status, events } = await send(t, user.auth, chatId);
    expect(status).toBe(200);
    expect(replyOf(events).last).toMatchObject({ type: 'done' });
    const [failedModel, answeringModel] = fake.requests.map((request) => request.body?.model);
    expect(failedModel).not.toBe(answeringModel);

    const samples = await scrape();
    const failed = { provider: 'openai', model: String(failedModel) };
    const answered = { provider: 'openai', model: String(answeringModel) };
    expect(valueOf(samples, 'llm_requests_total', failed)).toBe(1);
    expect(valueOf(samples, 'llm_requests_total', answered)).toBe(1);
    expect(valueOf(samples, 'llm_request_failures_total', { ...failed, kind: 'server' })).toBe(1);
    expect(valueOf(samples, 'llm_fallbacks_total', { ...failed, scope: 'model' })).toBe(1);
    expect(valueOf(samples, 'llm_first_token_seconds_count', answered)).toBe(1);
    expect(valueOf(samples, 'llm_request_duration_seconds_count', answered)).toBe(1);
    expect(valueOf(samples, 'llm_request_duration_seconds_count', failed)).toBeUndefined();
    expect(valueOf(samples, 'llm_tokens_total', { ...answered, direction: 'in' })).toBe(42);
    expect(valueOf(samples, 'llm_tokens_total', { ...answered, direction: 'out' })).toBe(7);
  });

  it('shows the SSE streams open and the replies in flight while a reply streams', async () => {
    const user = await createUser(t);
    const chatId = await openChat(t, user.auth, character.id);
    fake.script({ tokens: ['One', ' two', ' three', ' four'], tokenIntervalMs: 300 });
    const res = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: user.auth,
      body: { content: 'Count for me.' },
    });
    expect(await res.next()).toMatchObject({ type: 'token' });
    const during = await scrape();
    expect(valueOf(during, 'sse_streams_open')).toBe(1);
    expect(valueOf(during, 'chat_replies_in_flight', { kind: 'direct' })).toBe(1);
    expect(valueOf(during, 'chat_replies_in_flight', { kind: 'group' })).toBe(0);
    expect(replyOf(await res.rest()).last).toMatchObject({ type: 'done' });
    await eventually(async () => {
      const after = await scrape();
      return (
        valueOf(after, 'sse_streams_open') === 0 &&
        valueOf(after, 'chat_replies_in_flight', { kind: 'direct' }) === 0
      );
    });
  });

  it("counts job runs by type and outcome, and shows the queue's depth and oldest age", async () => {
    const jobs = t.app.get(JobQueue);
    jobs.register<{ fail: boolean }>('test.metrics', async ({ fail }) => {
      if (fail) throw new PermanentJobError('this one cannot work');
    });
    await jobs.enqueue('test.metrics', { fail: false });
    await jobs.enqueue('test.metrics', { fail: true });
    await t.dataSource.query(
      `UPDATE job SET run_at = now() - interval '90 seconds' WHERE type = 'test.metrics'`,
    );
    const queued = await scrape();
    expect(valueOf(queued, 'job_queue_depth', { type: 'test.metrics' })).toBe(2);
    expect(
      valueOf(queued, 'job_queue_oldest_age_seconds', { type: 'test.metrics' }),
    ).toBeGreaterThanOrEqual(90);

    await jobs.runDue();
    const ran = await scrape();
    expect(valueOf(ran, 'job_runs_total', { type: 'test.metrics', outcome: 'done' })).toBe(1);
    expect(valueOf(ran, 'job_runs_total', { type: 'test.metrics', outcome: 'failed' })).toBe(1);
    expect(valueOf(ran, 'job_run_duration_seconds_count', { type: 'test.metrics' })).toBe(2);
    expect(valueOf(ran, 'job_queue_depth', { type: 'test.metrics' })).toBe(0);
    expect(valueOf(ran, 'job_queue_oldest_age_seconds', { type: 'test.metrics' })).toBe(0);
  });

  it('counts rate-limit and quota refusals by name', async () => {
    const hasty = await createUser(t);
    const chatId = await openChat(t, hasty.auth, character.id);
    const first = await stream(t.url, `/api/chats/${chatId}/message`, {
      headers: hasty.auth,
      body: { content: 'One.' },
    });
    expect(first.status).toBe(200);
    // One message per 5 seconds per user.
    const second = await send(t, hasty.auth, chatId, { content: 'Two, at once.' });
    expect(second.status).toBe(429);
    await first.rest();

    const settings = t.app.get(SettingsService);
    await settings.set('daily_message_limit', 1);
    try {
      const spent = await createUser(t);
      await t.app
        .get(MessageQuotaService)
        .consume({ user: { id: spent.id, tier: 'free' } as AuthUser });
      const spentChat = await openChat(t, spent.auth, character.id);
      const refused = await send(t, spent.auth, spentChat);
      expect(refused.status).toBe(429);
      expect(refused.body?.message).toMatch(/Daily message limit/);
    } finally {
      await settings.set('daily_message_limit', 200);
    }

    const samples = await scrape();
    expect(valueOf(samples, 'rate_limit_refusals_total', { limit: 'messageInterval' })).toBe(1);
    expect(valueOf(samples, 'quota_refusals_total', { quota: 'daily_messages' })).toBe(1);
  });

  it('names the pool gauge as a gauge, and no gauge `_total`', async () => {
    const samples = await scrape();
    expect(valueOf(samples, 'db_pool_connections')).toBeGreaterThan(0);
    const misnamed = (await t.http.get('/api/metrics')).text
      .split('\n')
      .filter((line) => /^# TYPE \S+_total gauge$/.test(line));
    expect(misnamed).toEqual([]);
  });

  it('has a Grafana dashboard charting every service metric, and only metrics it exposes', async () => {
    const text = (await t.http.get('/api/metrics').expect(200)).text;
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map(([, family]) => family));
    // A metric's name has an underscore (no label the dashboard groups by has one) and is
    // never called, as PromQL's functions (histogram_quantile) are.
    const charted = new Set(
      dashboardQueries()
        .flatMap((query) => query.match(/\b[a-z][a-z0-9]*_[a-z0-9_]+\b(?!\s*\()/g) ?? [])
        .map((name) => name.replace(/_(bucket|sum|count)$/, '')),
    );
    expect([...charted].filter((family) => !exposed.has(family))).toEqual([]);
    // Node's and the process's default families aside, a metric without a panel fails here.
    const uncharted = [...exposed].filter(
      (family) => !/^(process|nodejs)_/.test(family) && !charted.has(family),
    );
    expect(uncharted).toEqual([]);
    expect(SERVICE_FAMILIES.filter((family) => !charted.has(family))).toEqual([]);
    expect(SERVICE_FAMILIES.filter((family) => !exposed.has(family))).toEqual([]);
  });

  promtoolIt("parses the dashboard's queries with `promtool check rules`", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-rules-'));
    try {
      // JSON is YAML: each query as a recording rule, which promtool parses.
      const file = join(dir, 'rules.yml');
      const rules = dashboardQueries().map((expr, index) => ({
        record: `dashboard:query_${index}`,
        expr,
      }));
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect({ status: check.status, output: check.stderr.trim() }).toEqual({
        status: 0,
        output: '',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  promtoolIt('passes `promtool check metrics` with every family above in it', async () => {
    const text = (await t.http.get('/api/metrics').expect(200)).text;
    for (const family of SERVICE_FAMILIES) expect(text).toContain(`# TYPE ${family} `);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({
      status: 0,
      problems: '',
    });
  });

  it('skips the promtool checks only where promtool is not required (CI requires it)', () => {
    const missing = () => false;
    expect(promtoolStatus({}, () => true)).toBe('run');
    expect(promtoolStatus({ CI: 'true' }, () => true)).toBe('run');
    expect(promtoolStatus({}, missing)).toBe('skip');
    expect(promtoolStatus({ CI: 'false' }, missing)).toBe('skip');
    // .ci/run exports REQUIRE_PROMTOOL=1; other CIs set CI.
    expect(promtoolStatus({ REQUIRE_PROMTOOL: '1' }, missing)).toBe('missing');
    expect(promtoolStatus({ CI: 'true' }, missing)).toBe('missing');
    expect(promtoolStatus({ CI: '1' }, missing)).toBe('missing');
    expect(promtoolStatus({ CI: 'true', REQUIRE_PROMTOOL: '0' }, missing)).toBe('skip');
    // .ci/run asks for it whether or not installing prometheus worked.
    const ciRun = readFileSync('.ci/run', 'utf8');
    expect(ciRun).toMatch(/^export REQUIRE_PROMTOOL=1$/m);
  });

  it('logs nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
