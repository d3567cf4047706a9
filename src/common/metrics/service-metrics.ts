import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { openSseStreams } from '../http/sse.js';

/**
 * Model labels kept per provider. A caller may name any model (premium tiers, OpenRouter's
 * `*:free`), and every distinct label value is a time series held forever: past this many,
 * further names count as `other`.
 */
const MAX_MODELS_PER_PROVIDER = 50;

/** One upstream attempt at one model, as the provider reports its progress. */
export interface LlmAttemptMetrics {
  /** The first text reached the caller. */
  firstToken(): void;
  /** The reply is complete, with its token counts. */
  succeeded(usage: { promptTokens: number; completionTokens: number }): void;
}

/**
 * Attempts that ended, per provider, since start-up: what the LLM alerts look at. A request
 * the provider refused as invalid (`rejected`: our parameters) says nothing of its health and
 * is left out.
 */
export interface LlmOutcomeTotals {
  succeeded: number;
  failed: number;
}

/** Upstream LLM traffic, per provider and model: requests, failures, fallbacks, latency, tokens. */
export class LlmMetrics {
  private readonly requests: Counter<'provider' | 'model'>;
  private readonly failures: Counter<'provider' | 'model' | 'kind'>;
  private readonly fallbacks: Counter<'provider' | 'model' | 'scope'>;
  private readonly firstTokenSeconds: Histogram<'provider' | 'model'>;
  private readonly durationSeconds: Histogram<'provider' | 'model'>;
  private readonly tokens: Counter<'provider' | 'model' | 'direction'>;
  private readonly models = new Map<string, Set<string>>();
  private readonly totals = new Map<string, LlmOutcomeTotals>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'llm_requests_total',
      help: 'Upstream LLM requests (one per model tried) by provider and model',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.failures = new Counter({
      name: 'llm_request_failures_total',
      help: 'Failed upstream LLM requests by provider, model and failure kind',
      labelNames: ['provider', 'model', 'kind'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'llm_fallbacks_total',
      help:
        'Failures after which the next candidate was tried, by the failed provider and model; ' +
        'scope: model (same provider) or provider',
      labelNames: ['provider', 'model', 'scope'],
      registers,
    });
    this.firstTokenSeconds = new Histogram({
      name: 'llm_first_token_seconds',
      help: 'Time from an upstream request to its first text, by provider and model',
      labelNames: ['provider', 'model'],
      buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60],
      registers,
    });
    this.durationSeconds = new Histogram({
      name: 'llm_request_duration_seconds',
      help: 'Time from an upstream request to its complete reply, by provider and model',
      labelNames: ['provider', 'model'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers,
    });
    this.tokens = new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens of complete replies by provider, model and direction (in: prompt, out: reply)',
      labelNames: ['provider', 'model', 'direction'],
      registers,
    });
  }

  /** An upstream request starts; the handle reports how it goes on. */
  attempt(provider: string, model: string): LlmAttemptMetrics {
    const labels = { provider, model: this.modelLabel(provider, model) };
    this.requests.inc(labels);
    const started = performance.now();
    let firstSeen = false;
    return {
      firstToken: () => {
        if (firstSeen) return;
        firstSeen = true;
        this.firstTokenSeconds.observe(labels, (performance.now() - started) / 1000);
      },
      succeeded: (usage) => {
        this.durationSeconds.observe(labels, (performance.now() - started) / 1000);
        this.tokens.inc({ ...labels, direction: 'in' }, usage.promptTokens);
        this.tokens.inc({ ...labels, direction: 'out' }, usage.completionTokens);
        this.total(provider).succeeded++;
      },
    };
  }

  /** An upstream request failed (before or after its first token). */
  failed(failure: { provider: string; model: string; kind: string }): void {
    const model = this.modelLabel(failure.provider, failure.model);
    this.failures.inc({ provider: failure.provider, model, kind: failure.kind });
    if (failure.kind !== 'rejected') this.total(failure.provider).failed++;
  }

  /** The next model (`model`) or provider (`provider`) is tried after `from` failed. */
  fellBack(from: { provider: string; model: string }, scope: 'model' | 'provider'): void {
    const model = this.modelLabel(from.provider, from.model);
    this.fallbacks.inc({ provider: from.provider, model, scope });
  }

  /** Ended attempts per provider since start-up (copies). */
  outcomeTotals(): Map<string, LlmOutcomeTotals> {
    return new Map([...this.totals].map(([provider, totals]) => [provider, { ...totals }]));
  }

  private total(provider: string): LlmOutcomeTotals {
    let totals = this.totals.get(provider);
    if (!totals) this.totals.set(provider, (totals = { succeeded: 0, failed: 0 }));
    return totals;
  }

  private modelLabel(provider: string, model: string): string {
    let seen = this.models.get(provider);
    if (!seen) this.models.set(provider, (seen = new Set()));
    if (seen.has(model)) return model;
    if (seen.size >= MAX_MODELS_PER_PROVIDER) return 'other';
    seen.add(model);
    return model;
  }
}

export type JobRunOutcome = 'done' | 'retry' | 'failed' | 'deferred';

/** The job queue as one instance sees it: waiting jobs (from the table) and its own runs. */
export interface JobQueueStat {
  type: string;
  /** Pending jobs that are due. */
  depth: number;
  /** How long the longest-waiting due job has been due; 0 with none. */
  oldestAgeSeconds: number;
}

/** Background jobs: queue depth and age (read from the table at scrape), runs by outcome. */
export class JobMetrics {
  private readonly runs: Counter<'type' | 'outcome'>;
  private readonly durationSeconds: Histogram<'type'>;
  private readQueue?: () => Promise<JobQueueStat[]>;
  private reading?: Promise<JobQueueStat[]>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.runs = new Counter({
      name: 'job_runs_total',
      help:
        'Job attempts run by this instance, by type and outcome (done; retry: failed, tried ' +
        'again later; failed: failed for good; deferred: waits, no attempt used)',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.durationSeconds = new Histogram({
      name: 'job_run_duration_seconds',
      help: 'Time one job attempt ran, by type',
      labelNames: ['type'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
      registers,
    });
    const stats = () => this.queueStats();
    new Gauge({
      name: 'job_queue_depth',
      help: 'Pending jobs that are due, by type',
      labelNames: ['type'],
      registers,
      async collect() {
        this.reset();
        for (const stat of await stats()) this.set({ type: stat.type }, stat.depth);
      },
    });
    new Gauge({
      name: 'job_queue_oldest_age_seconds',
      help: 'How long the longest-waiting due job has been due, by type (0: none waits)',
      labelNames: ['type'],
      registers,
      async collect() {
        this.reset();
        for (const stat of await stats()) this.set({ type: stat.type }, stat.oldestAgeSeconds);
      },
    });
  }

  /** Where the queue gauges read from (the job queue, once it exists). */
  measureQueue(read: () => Promise<JobQueueStat[]>): void {
    this.readQueue = read;
  }

  ran(type: string, outcome: JobRunOutcome, seconds: number): void {
    this.runs.inc({ type, outcome });
    this.durationSeconds.observe({ type }, seconds);
  }

  /**
   * The queue, read once per scrape: a scrape collects every metric at once, so both gauges
   * share the read in flight. A failed read (database down) leaves the gauges empty.
   */
  private queueStats(): Promise<JobQueueStat[]> {
    const read = this.readQueue;
    if (!read) return Promise.resolve([]);
    this.reading ??= read()
      .catch(() => [])
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}

/** A chat's kind (ChatKind): its rounds are counted apart. */
export type ReplyKind = 'direct' | 'group';

/** Open SSE streams and the replies (group rounds) being written. */
export class StreamMetrics {
  private readonly replySources = new Map<ReplyKind, () => number>();

  constructor(registry: Registry) {
    const sources = this.replySources;
    new Gauge({
      name: 'sse_streams_open',
      help: 'Server-sent event streams open to clients (replies, re-attached followers, rounds)',
      registers: [registry],
      collect() {
        this.set(openSseStreams());
      },
    });
    new Gauge({
      name: 'chat_replies_in_flight',
      help: 'Rounds this instance is writing, by chat kind (direct or group)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        for (const [kind, read] of sources) this.set({ kind }, read());
      },
    });
  }

  /** Where the count of replies of `kind` in flight is read at scrape. */
  countReplies(kind: ReplyKind, read: () => number): void {
    this.replySources.set(kind, read);
  }
}

/** Moderation: texts checked and categories hit, per stage; the provider endpoint's health. */
export class ModerationMetrics {
  private readonly checks: Counter<'stage' | 'verdict'>;
  private readonly hits: Counter<'category' | 'stage' | 'source'>;
  private readonly providerSeconds: Histogram<'outcome'>;
  private readonly providerFailures: Counter<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.checks = new Counter({
      name: 'moderation_checks_total',
      help:
        'Moderation checks by stage (character, input, output, image) and verdict (allow, ' +
        'review, refuse; output scans: ok, hard)',
      labelNames: ['stage', 'verdict'],
      registers,
    });
    this.hits = new Counter({
      name: 'moderation_hits_total',
      help:
        'Categories that reached their review or refuse threshold, by category, stage (a ' +
        'reply: each category once, soft or hard) and source (rules, provider)',
      labelNames: ['category', 'stage', 'source'],
      registers,
    });
    this.providerSeconds = new Histogram({
      name: 'moderation_provider_duration_seconds',
      help: 'Time the provider moderation endpoint took, by outcome (ok, failed)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
      registers,
    });
    this.providerFailures = new Counter({
      name: 'moderation_provider_failures_total',
      help:
        'Provider moderation requests that failed (the rules alone decided), by kind ' +
        '(timeout, error)',
      labelNames: ['kind'],
      registers,
    });
  }

  checked(stage: string, verdict: string): void {
    this.checks.inc({ stage, verdict });
  }

  hit(category: string, stage: string, source: string): void {
    this.hits.inc({ category, stage, source });
  }

  providerAnswered(seconds: number): void {
    this.providerSeconds.observe({ outcome: 'ok' }, seconds);
  }

  providerFailed(kind: 'timeout' | 'error', seconds: number): void {
    this.providerSeconds.observe({ outcome: 'failed' }, seconds);
    this.providerFailures.inc({ kind });
  }
}

/** Requests refused by a rate limit or a quota (daily limits, guest allowances). */
export class RefusalMetrics {
  private readonly rateLimited: Counter<'limit'>;
  private readonly quota: Counter<'quota'>;

  constructor(registry: Registry) {
    this.rateLimited = new Counter({
      name: 'rate_limit_refusals_total',
      help: 'Requests refused with 429 by a rate limit, by limit name',
      labelNames: ['limit'],
      registers: [registry],
    });
    this.quota = new Counter({
      name: 'quota_refusals_total',
      help: 'Requests refused by a quota (daily messages, guest allowances, AI drafts), by quota',
      labelNames: ['quota'],
      registers: [registry],
    });
  }

  rateLimit(limit: string): void {
    this.rateLimited.inc({ limit });
  }

  quotaSpent(quota: string): void {
    this.quota.inc({ quota });
  }
}

/** Violation scores and timed bans (src/auth/violations). */
export class BanMetrics {
  private readonly violations: Counter<'kind'>;
  private readonly issued: Counter<'subject'>;
  private readonly lifted: Counter<'subject'>;

  constructor(registry: Registry) {
    this.violations = new Counter({
      name: 'violations_total',
      help:
        'Violations recorded by kind (refused_input, hard_output, rate_limit, upheld_report), ' +
        'one per violation whether it scored for a user, an address or both',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.issued = new Counter({
      name: 'bans_issued_total',
      help: 'Timed bans issued by this instance, by subject (user or address)',
      labelNames: ['subject'],
      registers: [registry],
    });
    this.lifted = new Counter({
      name: 'bans_lifted_total',
      help: 'Bans lifted by an admin on this instance, by subject (user or address)',
      labelNames: ['subject'],
      registers: [registry],
    });
  }

  violation(kind: string): void {
    this.violations.inc({ kind });
  }

  banned(subject: 'user' | 'address'): void {
    this.issued.inc({ subject });
  }

  liftedBan(subject: 'user' | 'address'): void {
    this.lifted.inc({ subject });
  }
}

/** Notifications, proactive character messages and digest mails (src/notifications). */
export class NotificationMetrics {
  private readonly raised: Counter<'type'>;
  private readonly proactive: Counter<'outcome'>;
  private readonly digests: Counter<'kind'>;

  constructor(registry: Registry) {
    this.raised = new Counter({
      name: 'notifications_raised_total',
      help: 'Notifications raised by type (a batched one counts each event it folds in)',
      labelNames: ['type'],
      registers: [registry],
    });
    this.proactive = new Counter({
      name: 'proactive_messages_total',
      help:
        'Proactive character messages by outcome: sent, failed, or skipped_<why> (quiet_hours, ' +
        'cap, busy, answered, unanswered, ineligible, disabled)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.digests = new Counter({
      name: 'digest_mails_sent_total',
      help: 'Digest mails sent by kind (weekly, creator_daily)',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  notificationRaised(type: string): void {
    this.raised.inc({ type });
  }

  proactiveMessage(outcome: string): void {
    this.proactive.inc({ outcome });
  }

  digestSent(kind: string): void {
    this.digests.inc({ kind });
  }
}

/** The anonymous catalogue cache (src/characters/catalogue-cache.service.ts). */
export class CatalogueCacheMetrics {
  private readonly lookups: Counter<'outcome'>;
  private readonly invalidations: Counter;

  constructor(registry: Registry) {
    this.lookups = new Counter({
      name: 'catalogue_cache_lookups_total',
      help:
        'Anonymous catalogue and SEO responses by outcome: hit, joined (waited for the same ' +
        'response being built), miss (built and kept), bypass (cache off or not listening)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.invalidations = new Counter({
      name: 'catalogue_cache_invalidations_total',
      help: 'Times this instance dropped its whole catalogue cache (a listed character changed)',
      registers: [registry],
    });
  }

  lookup(outcome: 'hit' | 'joined' | 'miss' | 'bypass'): void {
    this.lookups.inc({ outcome });
  }

  invalidated(): void {
    this.invalidations.inc();
  }
}
