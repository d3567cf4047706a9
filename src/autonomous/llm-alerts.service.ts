import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { MetricsService } from '../common/metrics/metrics.service.js';
import type { LlmOutcomeTotals } from '../common/metrics/service-metrics.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { AdminAlerts, lasted } from './admin-alerts.service.js';

/** How often the LLM counters are looked at. */
const CHECK_INTERVAL_MS = 30_000;
/** A provider's failure rate means something from this many ended requests in the window. */
export const MIN_REQUESTS_FOR_RATE = 10;
export const OUTAGE_ALERT = 'llm.outage';
export const providerAlert = (provider: string) => `llm.provider.${provider}`;

interface Sample {
  at: number;
  totals: Map<string, LlmOutcomeTotals>;
}

const ZERO: LlmOutcomeTotals = { succeeded: 0, failed: 0 };

/** Ended requests per provider between two samples. */
function delta(from: Sample, to: Sample): Map<string, LlmOutcomeTotals> {
  return new Map(
    [...to.totals].map(([provider, now]) => {
      const before = from.totals.get(provider) ?? ZERO;
      return [
        provider,
        { succeeded: now.succeeded - before.succeeded, failed: now.failed - before.failed },
      ];
    }),
  );
}

const sum = (totals: Map<string, LlmOutcomeTotals>, key: keyof LlmOutcomeTotals) =>
  [...totals.values()].reduce((total, entry) => total + entry[key], 0);

const describeCounts = (counts: Map<string, LlmOutcomeTotals>) =>
  [...counts]
    .filter(([, count]) => count.succeeded + count.failed > 0)
    .map(
      ([provider, count]) => `  ${provider}: ${count.failed} failed, ${count.succeeded} succeeded`,
    );

/**
 * Tells the admins when the LLMs fail (issue #22): every 30 s each instance looks at the
 * upstream requests it made (the `llm_*` counters' totals) and raises, through AdminAlerts,
 *  - `llm.outage` once no request has succeeded for `alert_llm_outage_minutes` while requests
 *    kept failing in that time: every provider tried is failing;
 *  - `llm.provider.<name>` when `alert_provider_failure_rate` percent or more of a provider's
 *    requests failed over that window (from 10 requests on);
 * and resolves them (the recovery mail) on a success, or a failure rate back under the
 * threshold. AdminAlerts mails each change once across instances, reminders at most hourly.
 */
@Injectable()
export class LlmAlertMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LlmAlerts');
  /** Oldest first; the first is the baseline of the window. */
  private samples: Sample[] = [];
  /** When this instance saw the first failure since its last success. */
  private failingSince?: number;
  private timer?: NodeJS.Timeout;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly metrics: MetricsService,
    private readonly settings: SettingsService,
    private readonly alerts: AdminAlerts,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Samples the counters as of `now` and raises or resolves alerts; never throws. */
  check(now = Date.now()): Promise<void> {
    this.checking = this.checking.then(() =>
      this.checkNow(now).catch((error: unknown) =>
        this.logger.warn(`LLM alert check failed: ${(error as Error).message}`),
      ),
    );
    return this.checking;
  }

  private async checkNow(now: number): Promise<void> {
    const previous = this.samples.at(-1);
    // A check that comes late (behind one a test ran ahead) would read time backwards.
    if (previous && now < previous.at) return;
    const windowMs = (await this.settings.get('alert_llm_outage_minutes')) * 60_000;
    const threshold = await this.settings.get('alert_provider_failure_rate');
    const current: Sample = { at: now, totals: this.metrics.llm.outcomeTotals() };
    this.samples.push(current);
    // Kept: the newest sample at least a window old (the baseline) and everything since.
    while (this.samples.length > 2 && this.samples[1].at <= now - windowMs) this.samples.shift();
    if (!previous) return;

    const window = delta(this.samples[0], current);
    await this.checkOutage(delta(previous, current), window, windowMs, now);
    for (const [provider, counts] of window) {
      await this.checkProvider(provider, counts, threshold, windowMs, now);
    }
  }

  private async checkOutage(
    latest: Map<string, LlmOutcomeTotals>,
    window: Map<string, LlmOutcomeTotals>,
    windowMs: number,
    now: number,
  ): Promise<void> {
    if (sum(latest, 'succeeded') > 0) {
      const since = this.failingSince;
      this.failingSince = undefined;
      await this.alerts.resolve(
        OUTAGE_ALERT,
        (openedAt) => ({
          subject: 'LLM requests succeed again',
          text:
            `An LLM request succeeded again at ${new Date(now).toISOString()}, after failing ` +
            `since ${new Date(since ?? openedAt.getTime()).toISOString()} ` +
            `(${lasted(since ?? openedAt.getTime(), now)}).`,
        }),
        new Date(now),
      );
      return;
    }
    if (sum(latest, 'failed') > 0) this.failingSince ??= now;
    const since = this.failingSince;
    // Still failing within the window: with no traffic at all nothing new is known.
    if (since === undefined || now - since < windowMs || sum(window, 'failed') === 0) return;
    await this.alerts.raise(
      OUTAGE_ALERT,
      {
        subject: `no LLM request has succeeded for ${lasted(since, now)}`,
        text: [
          `Every LLM request this instance made since ${new Date(since).toISOString()} failed ` +
            `(${lasted(since, now)}, the alert_llm_outage_minutes setting is ` +
            `${windowMs / 60_000}): chat replies and background work get errors.`,
          '',
          `Requests over the last ${windowMs / 60_000} minutes:`,
          ...describeCounts(window),
          '',
          'Providers, blocks and cooldowns: GET /api/admin/provider-status; failures by kind: ' +
            'llm_request_failures_total at /api/metrics. A recovery mail follows the first success.',
        ].join('\n'),
      },
      new Date(now),
    );
  }

  private async checkProvider(
    provider: string,
    counts: LlmOutcomeTotals,
    threshold: number,
    windowMs: number,
    now: number,
  ): Promise<void> {
    const requests = counts.succeeded + counts.failed;
    if (requests === 0) return;
    const rate = (counts.failed / requests) * 100;
    const minutes = windowMs / 60_000;
    if (rate < threshold) {
      await this.alerts.resolve(
        providerAlert(provider),
        (openedAt) => ({
          subject: `LLM provider ${provider} fails less again`,
          text:
            `${Math.round(rate)}% of ${provider}'s ${requests} request(s) over the last ${minutes} ` +
            `minutes failed, under the ${threshold}% threshold; the alert lasted ` +
            `${lasted(openedAt.getTime(), now)}.`,
        }),
        new Date(now),
      );
      return;
    }
    if (requests < MIN_REQUESTS_FOR_RATE) return;
    await this.alerts.raise(
      providerAlert(provider),
      {
        subject: `LLM provider ${provider}: ${Math.round(rate)}% of requests failing`,
        text: [
          `${counts.failed} of ${provider}'s ${requests} requests over the last ${minutes} ` +
            `minutes failed (${Math.round(rate)}%; alert_provider_failure_rate is ${threshold}%). ` +
            'Requests fall back to other models and providers meanwhile.',
          '',
          'Its blocks and cooldowns: GET /api/admin/provider-status; failures by model and ' +
            'kind: llm_request_failures_total at /api/metrics. A recovery mail follows once ' +
            'its failure rate is back under the threshold.',
        ].join('\n'),
      },
      new Date(now),
    );
  }
}
