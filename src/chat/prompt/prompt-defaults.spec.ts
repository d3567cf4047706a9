import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LANGUAGES } from '../../common/languages.js';
import { isPromptKey, PROMPT_DEFAULTS, PROMPT_KEYS } from './prompt-defaults.js';

/** Every source file of the prompt and storytelling folders (tests included). */
function ownSourceFiles(): string[] {
  const chatDir = join(process.cwd(), 'src', 'chat');
  return ['prompt', 'storytelling'].flatMap((folder) =>
    readdirSync(join(chatDir, folder))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(chatDir, folder, file)),
  );
}

describe('PROMPT_DEFAULTS', () => {
  it('has exactly 23 keys', () => {
    expect(PROMPT_KEYS).toHaveLength(23);
    expect(new Set(PROMPT_KEYS).size).toBe(23);
  });

  it('covers the sections the spec requires', () => {
    for (const key of [
      'identity',
      'personality',
      'structured_tags',
      'appearance',
      'speech_pattern',
      'scenario',
      'example_dialogues',
      'length_short',
      'length_medium',
      'length_long',
      'length_very_long',
      'format_rules',
      'third_person',
      'show_dont_tell',
      'anti_repetition',
      'anti_ai',
      'anti_structural',
      'content_nsfw',
    ]) {
      expect(isPromptKey(key)).toBe(true);
    }
    expect(isPromptKey('toString')).toBe(false);
  });

  it.each(PROMPT_KEYS)('%s has a non-empty text in all 7 languages, each its own', (key) => {
    const texts = LANGUAGES.map((lang) => PROMPT_DEFAULTS[key][lang]);
    for (const text of texts) expect(text.trim()).not.toBe('');
    expect(Object.keys(PROMPT_DEFAULTS[key]).sort()).toEqual([...LANGUAGES].sort());
    // Short headers may coincide between related languages ("Scenario:"), rules must not.
    if (PROMPT_DEFAULTS[key].en.length > 40) expect(new Set(texts).size).toBe(texts.length);
  });

  it('puts dialogue in dashes for ru/es/fr/pt/it and in quotes for en/de', () => {
    for (const lang of ['ru', 'es', 'fr', 'pt', 'it'] as const) {
      expect(PROMPT_DEFAULTS.format_rules[lang]).toMatch(/\n—/);
    }
    expect(PROMPT_DEFAULTS.format_rules.en).toContain('"Like this," she said');
    expect(PROMPT_DEFAULTS.format_rules.de).toContain('"So", sagte sie');
  });

  it('bans the English AI-marker words named by the spec', () => {
    for (const word of [
      'delve',
      'tapestry',
      'testament',
      'realm',
      'landscape',
      'eyes widened',
      'bit her lip',
    ]) {
      expect(PROMPT_DEFAULTS.anti_ai.en).toContain(word);
    }
  });

  it('lists about 30 banned words in every language', () => {
    for (const lang of LANGUAGES) {
      const list = PROMPT_DEFAULTS.anti_ai[lang].split(':')[1].split('.')[0].split(',');
      expect(list.length).toBeGreaterThanOrEqual(28);
    }
  });

  it('names the banned purple-prose metaphors in the NSFW rules', () => {
    expect(PROMPT_DEFAULTS.content_nsfw.en).toMatch(
      /waves of pleasure.*fire within.*symphony of sensations/,
    );
  });

  it('never contains the German low-9 quote (U+201E) in any prompt or storytelling file', () => {
    const files = ownSourceFiles();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toContain('\u201E');
  });
});
