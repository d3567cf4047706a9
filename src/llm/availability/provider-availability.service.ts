import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { LLM_PROVIDER_NAMES, type LlmProviderName } from '../../config/configuration.js';
import { MailService } from '../../common/mail/mail.service.js';
import type { SettingKey } from '../../common/settings/settings.registry.js';
import { SettingsService } from '../../common/settings/settings.service.js';
import { Clock } from '../clock.js';
import type { UnavailableReason, UpstreamError } from '../llm.errors.js';
import type { ModelInfo, ProviderName } from '../llm.types.js';
import { PAID_PROVIDERS } from '../models/model-registry.js';
import { LlmAvailabilityRepository } from './llm-availability.repository.js';

export const MODEL_COOLDOWN_MS = 15 * 60_000;
export const PROVIDER_BLOCK_MS = 6 * 60 * 60_000;
/**
 * How long this instance trusts its copy of the shared state. Past it the copy is still used
 * while a re-read runs in the background, so no chat request ever waits for the database here
 * (except the very first one).
 */
const CACHE_TTL_MS = 3_000;
const MAX_ERROR_LENGTH = 500;

interface Expiring {
  until: number;
  lastError: string | null;
}

interface State {
  blocks: Map<string, Expiring & { reason: string }>;
  /** Keyed `provider/model`. */
  cooldowns: Map<string, Expiring>;
  /** Turned off by an admin (`provider_enabled.<name>` = false). */
  disabled: Set<string>;
}

export interface ProviderStatus {
  provider: LlmProviderName;
  /** Its API key is set. */
  configured: boolean;
  paid: boolean;
  /** Not turned off by an admin. */
  enabled: boolean;
  blocked: boolean;
  blockedUntil: Date | null;
  /** Seconds until the block lifts by itself; 0 when not blocked. */
  remainingSeconds: number;
  reason: string | null;
  /** The error behind the block, else the latest one that put a model on cooldown. */
  lastError: string | null;
  modelsCoolingDown: string[];
  /** May serve requests now. */
  available: boolean;
}

const cooldownKey = (provider: string, model: string) => `${provider}/${model}`;
const truncate = (text: string) =>
  text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;

/**
 * Which providers and models may be used right now. Shared by every API instance through
 * PostgreSQL (llm_provider_block, llm_model_cooldown) and the admin settings; each instance
 * keeps a copy refreshed every few seconds, and applies its own changes to it at once.
 */
@Injectable()
export class ProviderAvailabilityService implements OnModuleInit {
  private readonly logger = new Logger('LlmAvailability');
  private state?: State;
  private loadedAt = 0;
  private loading?: Promise<State>;
  /** Bumped around every local change, so a re-read that raced with one is discarded. */
  private version = 0;

  constructor(
    private readonly repository: LlmAvailabilityRepository,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    settings.onChange((key, value) => this.onSettingChanged(key, value));
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
  }

  /** Why `provider` may not serve requests now, or undefined when it may. */
  async unavailableReason(provider: ProviderName): Promise<UnavailableReason | undefined> {
    if (provider === 'offline') return undefined;
    if (!this.config.llm.providers[provider]) return 'not_configured';
    const state = await this.current();
    if (state.disabled.has(provider)) return 'disabled';
    if ((state.blocks.get(provider)?.until ?? 0) > this.clock.now()) return 'blocked';
    return undefined;
  }

  /** `models` less those on cooldown. */
  async withoutCoolingDown(
    provider: ProviderName,
    models: readonly ModelInfo[],
  ): Promise<ModelInfo[]> {
    const { cooldowns } = await this.current();
    const now = this.clock.now();
    return models.filter(
      (model) => (cooldowns.get(cooldownKey(provider, model.id))?.until ?? 0) <= now,
    );
  }

  /**
   * Remembers a failed attempt: a billing error blocks the provider for 6 hours (and the
   * instance that creates the block mails the admins once), a request we got wrong changes
   * nothing, anything else puts the model on a 15-minute cooldown. Never throws: losing this
   * bookkeeping must not break the fallback in progress.
   */
  async recordFailure(error: UpstreamError): Promise<void> {
    try {
      if (error.kind === 'balance') await this.block(error);
      else if (error.kind !== 'rejected') await this.coolDown(error);
    } catch (failure) {
      this.logger.warn(
        `Could not record the failure of ${error.provider}/${error.model}: ${String(failure)}`,
      );
    }
  }

  /** Every configurable provider with its state, read fresh from the database (admin UI). */
  async status(): Promise<ProviderStatus[]> {
    const state = await this.refresh();
    const now = this.clock.now();
    return LLM_PROVIDER_NAMES.map((provider) => {
      const configured = Boolean(this.config.llm.providers[provider]);
      const enabled = !state.disabled.has(provider);
      const block = state.blocks.get(provider);
      const blocked = block !== undefined && block.until > now;
      const cooling = [...state.cooldowns]
        .filter(([key, cooldown]) => key.startsWith(`${provider}/`) && cooldown.until > now)
        .sort(([, a], [, b]) => b.until - a.until);
      return {
        provider,
        configured,
        paid: PAID_PROVIDERS.has(provider),
        enabled,
        blocked,
        blockedUntil: blocked ? new Date(block.until) : null,
        remainingSeconds: blocked ? Math.ceil((block.until - now) / 1000) : 0,
        reason: blocked ? block.reason : null,
        lastError: (blocked ? block.lastError : cooling[0]?.[1].lastError) ?? null,
        modelsCoolingDown: cooling.map(([key]) => key.slice(provider.length + 1)),
        available: configured && enabled && !blocked,
      };
    });
  }

  private async block(error: UpstreamError): Promise<void> {
    const now = this.clock.now();
    const block = {
      until: now + PROVIDER_BLOCK_MS,
      reason: 'insufficient_balance',
      lastError: truncate(error.message),
    };
    const created = await this.change(
      (state) => state.blocks.set(error.provider, block),
      () =>
        this.repository.blockIfNotBlocked({
          provider: error.provider,
          blockedUntil: new Date(block.until),
          reason: block.reason,
          lastError: block.lastError,
          updatedAt: new Date(now),
        }),
    );
    if (!created) return;
    this.logger.warn(
      `Provider ${error.provider} blocked for 6 h after a billing error: ${block.lastError}`,
    );
    this.mail.notifyAdmins(
      `[${this.config.site.name}] LLM provider ${error.provider} blocked for 6 hours: no balance`,
      this.balanceAlert(error, now, block.until),
    );
  }

  private balanceAlert(error: UpstreamError, now: number, until: number): string {
    return [
      `The ${error.provider} provider answered with a billing error` +
        `${error.status ? ` (HTTP ${error.status})` : ''} at ${new Date(now).toISOString()}.`,
      `It is blocked on every API instance for 6 hours, until ${new Date(until).toISOString()}, ` +
        'and no request uses it meanwhile.',
      '',
      `Error: ${truncate(error.message)}`,
      '',
      'After topping up the balance, re-enable it at once (this also lifts the block):',
      `  PUT /api/admin/settings/provider_enabled.${error.provider}`,
      '  {"value": true}',
    ].join('\n');
  }

  private async coolDown(error: UpstreamError): Promise<void> {
    const cooldown = {
      until: this.clock.now() + MODEL_COOLDOWN_MS,
      lastError: truncate(error.message),
    };
    await this.change(
      (state) => state.cooldowns.set(cooldownKey(error.provider, error.model), cooldown),
      () =>
        this.repository.setCooldown({
          provider: error.provider,
          model: error.model,
          until: new Date(cooldown.until),
          lastError: cooldown.lastError,
        }),
    );
  }

  /** Admin toggles: off makes the provider unavailable, on also lifts an automatic block. */
  private onSettingChanged(key: SettingKey, value: unknown): void {
    const provider = /^provider_enabled\.(.+)$/.exec(key)?.[1];
    if (!provider) return;
    if (value === false) {
      void this.change(
        (state) => state.disabled.add(provider),
        async () => undefined,
      );
      return;
    }
    this.change(
      (state) => {
        state.disabled.delete(provider);
        state.blocks.delete(provider);
      },
      () => this.repository.unblock(provider),
    ).then(
      () =>
        this.logger.log(`Provider ${provider} enabled by an admin; any automatic block is lifted`),
      (error: unknown) =>
        this.logger.warn(`Could not lift the block of ${provider}: ${String(error)}`),
    );
  }

  /** Applies a change to this instance's copy at once, then persists it. */
  private async change<T>(local: (state: State) => void, persist: () => Promise<T>): Promise<T> {
    local(await this.current());
    this.version++;
    try {
      return await persist();
    } finally {
      this.version++;
    }
  }

  private async current(): Promise<State> {
    if (!this.state) return this.refresh();
    if (this.clock.now() - this.loadedAt > CACHE_TTL_MS) {
      this.refresh().catch((error: unknown) =>
        this.logger.warn(`Could not refresh provider availability: ${String(error)}`),
      );
    }
    return this.state;
  }

  private refresh(): Promise<State> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<State> {
    const version = this.version;
    const startedAt = this.clock.now();
    // A failed read is retried after the TTL, not on every request.
    this.loadedAt = startedAt;
    const now = new Date(startedAt);
    const [blocks, cooldowns, settings] = await Promise.all([
      this.repository.getActiveBlocks(now),
      this.repository.getActiveCooldowns(now),
      this.settings.all(),
    ]);
    const loaded: State = {
      blocks: new Map(
        blocks.map((row) => [
          row.provider,
          { until: row.blockedUntil.getTime(), reason: row.reason, lastError: row.lastError },
        ]),
      ),
      cooldowns: new Map(
        cooldowns.map((row) => [
          cooldownKey(row.provider, row.model),
          { until: row.until.getTime(), lastError: row.lastError },
        ]),
      ),
      disabled: new Set(
        LLM_PROVIDER_NAMES.filter((name) => settings[`provider_enabled.${name}`] === false),
      ),
    };
    if (!this.state || version === this.version) {
      this.state = loaded;
    } else {
      // A local change landed meanwhile and may be missing from what was read: keep the copy
      // that has it, and read again on the next request.
      this.loadedAt = 0;
    }
    return this.state;
  }
}
