import { BadRequestException, Injectable } from '@nestjs/common';
import { isLanguage, LANGUAGES, type Language } from '../../common/languages.js';
import { KeyValueRepository } from '../../common/settings/key-value.repository.js';
import { isPromptKey, PROMPT_DEFAULTS, PROMPT_KEYS, type PromptKey } from './prompt-defaults.js';

const PREFIX = 'prompt.';
export const PROMPT_CACHE_TTL_MS = 60_000;

export interface PromptTemplateEntry {
  key: PromptKey;
  lang: Language;
  default: string;
  override: string | null;
  /** Which text the builder uses now. */
  effective: 'default' | 'override';
}

/**
 * Prompt texts: defaults in code, admin overrides in the database as `prompt.<key>.<lang>`
 * rows, read through a 60 s cache (spec: load_overrides). A change applies at once on the
 * instance that made it and within the TTL elsewhere.
 */
@Injectable()
export class PromptTemplatesService {
  private cache?: { overrides: Map<string, string>; expiresAt: number };
  /** Bumped by every change, so a read that overlapped one does not cache what it read. */
  private version = 0;

  constructor(private readonly store: KeyValueRepository) {}

  /** The text in effect for a key and language. */
  async get(key: PromptKey, lang: Language): Promise<string> {
    return (await this.overrides()).get(`${key}.${lang}`) ?? PROMPT_DEFAULTS[key][lang];
  }

  /** Every key × language, for the admin UI. */
  async list(): Promise<PromptTemplateEntry[]> {
    const overrides = await this.overrides();
    return PROMPT_KEYS.flatMap((key) =>
      LANGUAGES.map((lang) => {
        const override = overrides.get(`${key}.${lang}`) ?? null;
        return {
          key,
          lang,
          default: PROMPT_DEFAULTS[key][lang],
          override,
          effective: override === null ? ('default' as const) : ('override' as const),
        };
      }),
    );
  }

  async setOverride(key: string, lang: string, text: string): Promise<void> {
    this.check(key, lang);
    await this.store.set(`${PREFIX}${key}.${lang}`, text);
    this.invalidate();
  }

  async clearOverride(key: string, lang: string): Promise<void> {
    this.check(key, lang);
    await this.store.delete(`${PREFIX}${key}.${lang}`);
    this.invalidate();
  }

  /**
   * Drops the cache, and keeps a read that began before the change from caching what it
   * read: the change would otherwise be undone here for the cache's lifetime.
   */
  private invalidate(): void {
    this.version++;
    this.cache = undefined;
  }

  private check(key: string, lang: string): void {
    if (!isPromptKey(key)) throw new BadRequestException(`Unknown prompt key: ${key}`);
    if (!isLanguage(lang))
      throw new BadRequestException(`Unknown language: ${lang} (use ${LANGUAGES.join(', ')})`);
  }

  private async overrides(): Promise<Map<string, string>> {
    if (this.cache && this.cache.expiresAt > Date.now()) return this.cache.overrides;
    const version = this.version;
    const rows = await this.store.getByPrefix(PREFIX);
    const overrides = new Map([...rows].map(([key, value]) => [key.slice(PREFIX.length), value]));
    if (version === this.version) {
      this.cache = { overrides, expiresAt: Date.now() + PROMPT_CACHE_TTL_MS };
    }
    return overrides;
  }
}
