import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { CharacterEntity } from '../../characters/entities/character.entity.js';
import { LANGUAGES } from '../../common/languages.js';
import type { KeyValueRepository } from '../../common/settings/key-value.repository.js';
import { PromptBuilderService, type SystemPromptInput } from './prompt-builder.service.js';
import { PROMPT_DEFAULTS, PROMPT_KEYS } from './prompt-defaults.js';
import { PROMPT_CACHE_TTL_MS, PromptTemplatesService } from './prompt-templates.service.js';

/**
 * The `prompt_template` table as a map the test can write to directly, as another instance or
 * an operator with SQL would, bypassing the service (and so its cache invalidation).
 */
function fakeTable() {
  const rows = new Map<string, string>();
  const reads = { count: 0 };
  const store = {
    get: async (key: string) => rows.get(key),
    getByPrefix: async (prefix: string) => {
      reads.count++;
      return new Map([...rows].filter(([key]) => key.startsWith(prefix)));
    },
    set: async (key: string, value: string) => {
      rows.set(key, value);
    },
    delete: async (key: string) => {
      rows.delete(key);
    },
  } satisfies Pick<KeyValueRepository, 'get' | 'getByPrefix' | 'set' | 'delete'>;
  return { rows, reads, store: store as unknown as KeyValueRepository };
}

const START = new Date('2025-03-01T12:00:00Z').getTime();
const at = (ms: number): void => jest.setSystemTime(START + ms);

function promptInput(language: SystemPromptInput['language']): SystemPromptInput {
  return {
    character: Object.assign(new CharacterEntity(), {
      name: 'Mira',
      description: 'A smuggler captain.',
      personality: '',
      scenario: '',
      appearance: '',
      speechPattern: '',
      exampleDialogues: '',
      structuredTags: [],
      tags: [],
      responseLength: 'medium',
      contentRating: 'sfw',
      translations: {},
    }),
    persona: { name: null, description: null },
    language,
    userIsAdult: false,
    isDnd: false,
  };
}

describe('PromptTemplatesService', () => {
  let table: ReturnType<typeof fakeTable>;
  let templates: PromptTemplatesService;

  beforeEach(() => {
    // Only the clock: awaiting the fake store must still work.
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    table = fakeTable();
    templates = new PromptTemplatesService(table.store);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('override precedence', () => {
    it('serves an override from the database instead of the code default', async () => {
      table.rows.set('prompt.anti_ai.fr', 'Pas de clichés, {{char}}.');
      expect(await templates.get('anti_ai', 'fr')).toBe('Pas de clichés, {{char}}.');

      const builder = new PromptBuilderService(templates);
      const prompt = await builder.systemPrompt(promptInput('fr'));
      expect(prompt).toContain('Pas de clichés, Mira.');
      expect(prompt).not.toContain(PROMPT_DEFAULTS.anti_ai.fr.slice(0, 40));
    });

    it('keeps a per-language override to its language and key', async () => {
      table.rows.set('prompt.anti_ai.fr', 'Pas de clichés.');
      for (const lang of LANGUAGES.filter((lang) => lang !== 'fr')) {
        expect(await templates.get('anti_ai', lang)).toBe(PROMPT_DEFAULTS.anti_ai[lang]);
      }
      expect(await templates.get('anti_repetition', 'fr')).toBe(PROMPT_DEFAULTS.anti_repetition.fr);

      const builder = new PromptBuilderService(templates);
      const en = await builder.systemPrompt(promptInput('en'));
      expect(en).toContain(PROMPT_DEFAULTS.anti_ai.en);
      expect(en).not.toContain('Pas de clichés');

      const entries = await templates.list();
      expect(entries).toHaveLength(PROMPT_KEYS.length * LANGUAGES.length);
      expect(entries.filter((entry) => entry.effective === 'override')).toEqual([
        {
          key: 'anti_ai',
          lang: 'fr',
          default: PROMPT_DEFAULTS.anti_ai.fr,
          override: 'Pas de clichés.',
          effective: 'override',
        },
      ]);
    });

    it('ignores rows of the shared table that are not a known key and language', async () => {
      table.rows.set('setting.daily_limit', '50');
      table.rows.set('prompt.no_such_key.en', 'stray');
      table.rows.set('prompt.anti_ai.xx', 'stray');
      table.rows.set('prompt.anti_ai', 'stray');
      expect(await templates.get('anti_ai', 'en')).toBe(PROMPT_DEFAULTS.anti_ai.en);
      expect((await templates.list()).every((entry) => entry.effective === 'default')).toBe(true);
    });
  });

  describe('60 s cache', () => {
    it('reads the table once per TTL, however many texts are asked for', async () => {
      for (const key of PROMPT_KEYS) await templates.get(key, 'de');
      await templates.list();
      expect(table.reads.count).toBe(1);
      at(PROMPT_CACHE_TTL_MS - 1);
      await templates.get('identity', 'de');
      expect(table.reads.count).toBe(1);
      at(PROMPT_CACHE_TTL_MS);
      await templates.get('identity', 'de');
      expect(table.reads.count).toBe(2);
      expect(PROMPT_CACHE_TTL_MS).toBe(60_000);
    });

    it('does not cache what a read that overlapped a change found', async () => {
      const read = table.store.getByPrefix.bind(table.store);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let first = true;
      table.store.getByPrefix = async (prefix: string) => {
        const rows = await read(prefix);
        if (first) {
          first = false;
          await held;
        }
        return rows;
      };
      const slow = templates.get('anti_ai', 'en');
      await templates.setOverride('anti_ai', 'en', 'New rule, {{char}}.');
      release();
      await slow;
      expect(await templates.get('anti_ai', 'en')).toBe('New rule, {{char}}.');
    });

    it('serves the old text after a direct database write until the cache expires', async () => {
      expect(await templates.get('identity', 'it')).toBe(PROMPT_DEFAULTS.identity.it);

      at(10_000);
      table.rows.set('prompt.identity.it', 'Sei {{char}}, sempre.');
      expect(await templates.get('identity', 'it')).toBe(PROMPT_DEFAULTS.identity.it);

      at(PROMPT_CACHE_TTL_MS - 1);
      expect(await templates.get('identity', 'it')).toBe(PROMPT_DEFAULTS.identity.it);

      at(PROMPT_CACHE_TTL_MS);
      expect(await templates.get('identity', 'it')).toBe('Sei {{char}}, sempre.');

      // A changed override waits for the next expiry, counted from the reload.
      table.rows.set('prompt.identity.it', 'Sei {{char}}, per sempre.');
      at(2 * PROMPT_CACHE_TTL_MS - 1);
      expect(await templates.get('identity', 'it')).toBe('Sei {{char}}, sempre.');
      at(2 * PROMPT_CACHE_TTL_MS);
      expect(await templates.get('identity', 'it')).toBe('Sei {{char}}, per sempre.');
    });

    it('keeps serving an override deleted directly from the database until expiry', async () => {
      table.rows.set('prompt.content_sfw.pt', 'Conteúdo leve.');
      expect(await templates.get('content_sfw', 'pt')).toBe('Conteúdo leve.');

      table.rows.delete('prompt.content_sfw.pt');
      at(PROMPT_CACHE_TTL_MS - 1);
      expect(await templates.get('content_sfw', 'pt')).toBe('Conteúdo leve.');
      at(PROMPT_CACHE_TTL_MS);
      expect(await templates.get('content_sfw', 'pt')).toBe(PROMPT_DEFAULTS.content_sfw.pt);
    });

    it('reaches the assembled prompt of other instances only after their cache expires', async () => {
      const other = new PromptTemplatesService(table.store);
      const otherBuilder = new PromptBuilderService(other);
      const before = await otherBuilder.systemPrompt(promptInput('es'));
      expect(before).toContain(PROMPT_DEFAULTS.show_dont_tell.es);

      at(30_000);
      await templates.setOverride('show_dont_tell', 'es', 'Muestra, {{char}}.');
      // The writing instance applies it at once...
      expect(await templates.get('show_dont_tell', 'es')).toBe('Muestra, {{char}}.');
      // ...the other one within the TTL of its own cache.
      expect(await otherBuilder.systemPrompt(promptInput('es'))).toBe(before);
      at(PROMPT_CACHE_TTL_MS);
      const after = await otherBuilder.systemPrompt(promptInput('es'));
      expect(after).toContain('Muestra, Mira.');
      expect(after).not.toContain(PROMPT_DEFAULTS.show_dont_tell.es);
      expect(after.replace('Muestra, Mira.', PROMPT_DEFAULTS.show_dont_tell.es)).toBe(before);
    });
  });

  it('refuses an unknown key or language without touching the table', async () => {
    await expect(templates.setOverride('no_such_key', 'en', 'x')).rejects.toThrow(
      'Unknown prompt key: no_such_key',
    );
    await expect(templates.setOverride('anti_ai', 'xx', 'x')).rejects.toThrow(
      /^Unknown language: xx/,
    );
    await expect(templates.clearOverride('toString', 'en')).rejects.toThrow(/Unknown prompt key/);
    expect(table.rows.size).toBe(0);
  });
});
