import { BadRequestException, Injectable } from '@nestjs/common';
import { KeyValueRepository } from './key-value.repository.js';
import {
  isSettingKey,
  SETTINGS,
  settingProblem,
  type SettingKey,
  type SettingValue,
} from './settings.registry.js';

const PREFIX = 'setting.';
export const SETTINGS_CACHE_TTL_MS = 60_000;

type Listener = (key: SettingKey, value: unknown) => void;

/**
 * Typed admin settings, stored as `setting.<key>` rows. Reads are cached for 60 s: a change
 * applies at once on the instance that made it and within the TTL on every other instance.
 */
@Injectable()
export class SettingsService {
  private cache?: { values: Map<string, string>; expiresAt: number };
  private readonly listeners: Listener[] = [];

  constructor(private readonly store: KeyValueRepository) {}

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
    for (const listener of this.listeners) listener(key, value);
  }

  /** Called on this instance after a setting changes (other instances see it via the TTL). */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  private async storedValues(): Promise<Map<string, string>> {
    if (this.cache && this.cache.expiresAt > Date.now()) return this.cache.values;
    const rows = await this.store.getByPrefix(PREFIX);
    const values = new Map([...rows].map(([key, value]) => [key.slice(PREFIX.length), value]));
    this.cache = { values, expiresAt: Date.now() + SETTINGS_CACHE_TTL_MS };
    return values;
  }
}
