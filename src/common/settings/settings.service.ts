import { BadRequestException, Injectable, Optional } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { KeyValueRepository } from './key-value.repository.js';
import {
  isSettingKey,
  SETTINGS,
  settingProblem,
  type SettingKey,
  type SettingValue,
} from './settings.registry.js';

const PREFIX = 'setting.';
/** The default of SETTINGS_CACHE_TTL_MS. */
export const SETTINGS_CACHE_TTL_MS = 60_000;

type Listener = (key: SettingKey, value: unknown) => void;

/**
 * Typed admin settings, stored as `setting.<key>` rows. Reads are cached for
 * SETTINGS_CACHE_TTL_MS (60 s): a change applies at once on the instance that made it and
 * within the TTL on every other instance.
 */
@Injectable()
export class SettingsService {
  private cache?: { values: Map<string, string>; expiresAt: number };
  private readonly listeners: Listener[] = [];
  private readonly ttlMs: number;
  /** Bumped by every write here, so a read that raced with one is not cached. */
  private version = 0;

  constructor(
    private readonly store: KeyValueRepository,
    @Optional() @InjectConfig() config?: AppConfig,
  ) {
    this.ttlMs = config?.settings.cacheTtlMs ?? SETTINGS_CACHE_TTL_MS;
  }

  async get<K extends SettingKey>(key: K): Promise<SettingValue<K>> {
    const stored = (await this.storedValues()).get(key);
    return (stored === undefined ? SETTINGS[key].default : JSON.parse(stored)) as SettingValue<K>;
  }

  async all(): Promise<Record<SettingKey, unknown>> {
    const stored = await this.storedValues();
    return Object.fromEntries(
      (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
        const raw = stored.get(key);
        return [key, raw === undefined ? SETTINGS[key].default : JSON.parse(raw)];
      }),
    ) as Record<SettingKey, unknown>;
  }

  /** Like all(), but read from the database now (admin screens must not show a stale copy). */
  async allFresh(): Promise<Record<SettingKey, unknown>> {
    this.cache = undefined;
    return this.all();
  }

  /** Validates and stores a setting; a bad key or value is a 400 naming the rule. */
  async set(key: string, value: unknown): Promise<void> {
    if (!isSettingKey(key)) throw new BadRequestException(`Unknown setting: ${key}`);
    const problem = settingProblem(key, value);
    if (problem) throw new BadRequestException(problem);
    await this.store.set(PREFIX + key, JSON.stringify(value));
    this.cache = undefined;
    this.version++;
    for (const listener of this.listeners) listener(key, value);
  }

  /** Called on this instance after a setting changes (other instances see it via the TTL). */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  private async storedValues(): Promise<Map<string, string>> {
    if (this.cache && this.cache.expiresAt > Date.now()) return this.cache.values;
    const version = this.version;
    const rows = await this.store.getByPrefix(PREFIX);
    const values = new Map([...rows].map(([key, value]) => [key.slice(PREFIX.length), value]));
    // A read that started before a write here may hold the old value: use it, don't keep it.
    if (version === this.version) this.cache = { values, expiresAt: Date.now() + this.ttlMs };
    return values;
  }
}
