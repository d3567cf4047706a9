import { Injectable } from '@nestjs/common';
import { MailService } from '../../common/mail/mail.service.js';
import { KeyValueRepository } from '../../common/settings/key-value.repository.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import type { LlmProviderName } from '../../config/configuration.js';
import { LlmService, type ProviderHealth } from '../../llm/llm.service.js';
import { DAY_MS, type AutonomousTask, type TaskResult } from '../autonomous-task.js';

/** Providers whose model lists are watched (spec: model_monitor.py). */
export const WATCHED_LISTS: ReadonlySet<LlmProviderName> = new Set([
  'openai',
  'deepseek',
  'together',
  'groq',
  'cerebras',
  'openrouter',
]);
const STATE_PREFIX = 'models.';
const MAX_DETAIL_LENGTH = 300;

/** What was seen of one provider, stored as `models.<provider>`. */
interface ProviderSnapshot {
  /** Null: never listed successfully. */
  models: string[] | null;
  listError: string | null;
  /** A problem code (`no_balance`, `key_error`, `model_missing`, …); null: healthy or unchecked. */
  health: string | null;
  healthDetail: string | null;
  checkedAt: string;
}

/**
 * A failure as a stable code: the message itself varies (request ids, timestamps), and
 * mailing on every variation would mail daily about the same problem.
 */
function problemCode(health: Extract<ProviderHealth, { ok: false }>): string {
  if (health.kind === 'balance') return 'no_balance';
  if (/\b404\b|not[ _]?found|does not exist|no such model/i.test(health.message))
    return 'model_missing';
  if (
    health.kind === 'refused' &&
    /\b40[13]\b|api[ _-]?key|unauthori[sz]ed|authenticat|permission/i.test(health.message)
  )
    return 'key_error';
  return health.kind;
}

const diff = (before: string[], after: string[]) => {
  const old = new Set(before);
  const now = new Set(after);
  return {
    added: after.filter((id) => !old.has(id)),
    removed: before.filter((id) => !now.has(id)),
  };
};

const truncate = (text: string) =>
  text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH)}…` : text;

/**
 * Daily: which models each provider offers, and whether the paid providers answer (spec:
 * model_monitor.py). The first run stores a silent baseline of the model lists; later, models
 * added or removed, a listing that starts failing, and a health problem that appears, changes
 * or clears are mailed to ADMIN_EMAILS, once per change.
 */
@Injectable()
export class ModelMonitorTask implements AutonomousTask {
  readonly name = 'model_monitor';
  readonly description =
    'Lists each provider’s models and health-checks the paid ones; mails admins on changes';
  readonly intervalMs = DAY_MS;

  constructor(
    private readonly llm: LlmService,
    private readonly store: KeyValueRepository,
    private readonly mail: MailService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async run(): Promise<TaskResult> {
    const providers = (await this.llm.providerStatus()).filter((status) => status.configured);
    const report: string[] = [];
    const snapshots: Array<[string, ProviderSnapshot]> = [];
    let added = 0;
    let removed = 0;
    let problems = 0;
    for (const status of providers) {
      const key = STATE_PREFIX + status.provider;
      const raw = await this.store.get(key);
      const previous = raw ? (JSON.parse(raw) as ProviderSnapshot) : undefined;
      const snapshot: ProviderSnapshot = {
        models: previous?.models ?? null,
        listError: null,
        health: null,
        healthDetail: null,
        checkedAt: new Date().toISOString(),
      };
      const lines: string[] = [];

      if (WATCHED_LISTS.has(status.provider)) {
        try {
          snapshot.models = await this.llm.listUpstreamModels(status.provider);
          if (previous?.models) {
            const change = diff(previous.models, snapshot.models);
            added += change.added.length;
            removed += change.removed.length;
            if (change.added.length > 0) lines.push(`  added: ${change.added.join(', ')}`);
            if (change.removed.length > 0) lines.push(`  removed: ${change.removed.join(', ')}`);
          }
        } catch (error) {
          snapshot.listError = truncate((error as Error).message);
          if (!previous?.listError) lines.push(`  model list unavailable: ${snapshot.listError}`);
        }
      }

      // Health is checked on paid providers an admin has not switched off; one blocked after a
      // billing error is known to have no balance, and a request would only be refused.
      if (status.paid && status.enabled) {
        const health: ProviderHealth = status.blocked
          ? {
              ok: false,
              kind: 'balance',
              message: status.lastError ?? 'blocked after a billing error',
            }
          : await this.llm.checkProvider(status.provider);
        if (!health.ok) {
          problems++;
          snapshot.health = problemCode(health);
          snapshot.healthDetail = truncate(health.message);
        }
        if (snapshot.health && snapshot.health !== previous?.health) {
          lines.push(`  health: ${snapshot.health} (${snapshot.healthDetail})`);
        } else if (!snapshot.health && previous?.health) {
          lines.push(`  health: recovered (was ${previous.health})`);
        }
      }

      snapshots.push([key, snapshot]);
      if (lines.length > 0) report.push(`${status.provider}:`, ...lines);
    }

    if (report.length > 0) {
      this.mail.notifyAdmins(
        `[${this.config.site.name}] Model monitor: LLM provider changes`,
        [
          `The daily model check found changes (${new Date().toISOString()}):`,
          '',
          ...report,
          '',
          'Provider status: GET /api/admin/provider-status',
        ].join('\n'),
      );
    }
    // The new baselines only once the whole run got this far: saved per provider inside the
    // loop, a failure at a later provider lost the earlier ones' changes before they were told.
    for (const [key, snapshot] of snapshots) await this.store.set(key, JSON.stringify(snapshot));
    return {
      providers: providers.length,
      added,
      removed,
      health_problems: problems,
      notified: report.length > 0,
    };
  }
}
