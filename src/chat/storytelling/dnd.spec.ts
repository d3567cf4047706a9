import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import { PROMPT_DEFAULTS } from '../prompt/prompt-defaults.js';
import {
  CAMPAIGN_TEMPLATES,
  DND_POST_HISTORY,
  DND_PROMPTS,
  DND_RULE_SECTIONS,
  GAME_MASTER_LABEL,
  isDndChat,
} from './dnd.js';

describe('isDndChat', () => {
  it("is a campaign chat when the character has the free tag 'dnd', in any case", () => {
    expect(isDndChat({ tags: ['fantasy', ' DnD '], structuredTags: [] })).toBe(true);
    expect(isDndChat({ tags: ['DND'] })).toBe(true);
  });

  it("is a campaign chat when the character has the structured tag 'dnd'", () => {
    expect(isDndChat({ tags: [], structuredTags: ['fantasy', 'dnd'] })).toBe(true);
  });

  it('is not one otherwise', () => {
    expect(isDndChat({ tags: ['fantasy', 'dnd-like', 'd&d'], structuredTags: ['adventure'] })).toBe(
      false,
    );
    expect(isDndChat({ tags: null, structuredTags: null })).toBe(false);
    expect(isDndChat({})).toBe(false);
  });
});

describe('GM prompts', () => {
  it('has the six sections of the spec, each in 7 distinct languages', () => {
    expect(Object.keys(DND_PROMPTS)).toEqual([
      'intro',
      'rules_summary',
      'gm_rules',
      'choices_rules',
      'format_rules',
      'character_creation',
    ]);
    for (const texts of [...Object.values(DND_PROMPTS), DND_POST_HISTORY]) {
      const values = LANGUAGES.map((lang) => texts[lang]);
      for (const value of values) expect(value.trim()).not.toBe('');
      expect(new Set(values).size).toBe(LANGUAGES.length);
    }
    expect(DND_RULE_SECTIONS).not.toContain('intro');
  });

  it('names the campaign by its title in the intro, as a title (not as a person)', () => {
    const title = 'The Lantern Coast';
    for (const lang of LANGUAGES) {
      const intro = DND_PROMPTS.intro[lang].replaceAll('{{char}}', title);
      // The title closes the first sentence, after the campaign it names (": …" or «…»).
      expect({ lang, names: new RegExp(`(: |«)${title}»?\\.`).test(intro) }).toEqual({
        lang,
        names: true,
      });
      expect(intro.split('{{char}}')).toHaveLength(1);
    }
    for (const section of DND_RULE_SECTIONS) {
      for (const lang of LANGUAGES) expect(DND_PROMPTS[section][lang]).not.toContain('{{char}}');
    }
  });

  it('teaches the roll tag as a closing cliffhanger and the state tag, in every language', () => {
    for (const lang of LANGUAGES) {
      expect(DND_PROMPTS.choices_rules[lang]).toMatch(/\[ROLL NdM\+X [^\]]+\]/);
      expect(DND_PROMPTS.choices_rules[lang]).toContain('[ROLL 1d20+3 ');
      expect(DND_PROMPTS.format_rules[lang]).toContain('[STATE {');
      expect(DND_POST_HISTORY[lang]).toContain('[ROLL NdM+X');
    }
  });
});

describe('campaign templates', () => {
  it('stand in for roleplay templates that speak of {{char}} as a person, in 7 distinct languages', () => {
    for (const [key, texts] of Object.entries(CAMPAIGN_TEMPLATES)) {
      // Each replaces a template of the same key, one that names {{char}} (as someone).
      const roleplay = PROMPT_DEFAULTS[key as keyof typeof CAMPAIGN_TEMPLATES];
      expect({ key, person: roleplay.en.includes('{{char}}') }).toEqual({ key, person: true });
      const values = LANGUAGES.map((lang) => texts[lang]);
      for (const value of values) {
        expect(value.trim()).not.toBe('');
        // The campaign's title is never the subject of them.
        expect(value).not.toContain('{{char}}');
      }
      if (texts.en.length > 40) expect(new Set(values).size).toBe(LANGUAGES.length);
    }
    expect(CAMPAIGN_TEMPLATES.persona.en).toContain('{{user}}, the player character');
    expect(new Set(Object.values(GAME_MASTER_LABEL)).size).toBe(LANGUAGES.length);
  });
});
