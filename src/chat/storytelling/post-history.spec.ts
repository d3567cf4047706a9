import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import { DND_POST_HISTORY } from './dnd.js';
import {
  ANTI_ECHO,
  buildPostHistory,
  ESCALATION,
  FICTION_ADULT_POST_HISTORY,
  FICTION_POST_HISTORY,
  NSFW_REMINDER,
  openingWords,
  POST_HISTORY_CORE,
  POST_HISTORY_VARIANT_KINDS,
  POST_HISTORY_VARIANTS,
  variantIndex,
  type PostHistoryOptions,
} from './post-history.js';

const options = (overrides: Partial<PostHistoryOptions> = {}): PostHistoryOptions => ({
  language: 'en',
  chatId: '5f0c6a8e-2d7b-4c11-9a59-0c1f7f3b2a10',
  messageCount: 4,
  lastAssistantText: null,
  mode: 'roleplay',
  explicit: false,
  ...overrides,
});

const variantsIn = (text: string): string[] =>
  POST_HISTORY_VARIANT_KINDS.filter((kind) => text.includes(POST_HISTORY_VARIANTS[kind].en));

describe('post-history texts', () => {
  it('exist in all 7 languages, translated', () => {
    const all = [
      POST_HISTORY_CORE,
      ...Object.values(POST_HISTORY_VARIANTS),
      ANTI_ECHO,
      ESCALATION,
      NSFW_REMINDER,
      FICTION_POST_HISTORY,
    ];
    expect(Object.keys(POST_HISTORY_VARIANTS)).toEqual([
      'setting',
      'action',
      'dialogue',
      'subtext',
      'personality',
    ]);
    for (const texts of all) {
      const values = LANGUAGES.map((lang) => texts[lang]);
      for (const value of values) expect(value.trim()).not.toBe('');
      expect(new Set(values).size).toBe(LANGUAGES.length);
    }
    for (const lang of LANGUAGES) expect(ANTI_ECHO[lang]).toContain('{{opening}}');
  });
});

describe('variant rotation', () => {
  it('is stable for the same chat and message count', () => {
    const first = buildPostHistory(options({ messageCount: 7 }));
    expect(buildPostHistory(options({ messageCount: 7 }))).toBe(first);
    expect(variantsIn(first)).toHaveLength(1);
    expect(variantIndex('chat-a', 3)).toBe(variantIndex('chat-a', 3));
  });

  it('reaches all five variants across turns and spreads them', () => {
    const counts = new Map<string, number>();
    for (let count = 0; count < 200; count++) {
      const [kind] = variantsIn(buildPostHistory(options({ messageCount: count })));
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...POST_HISTORY_VARIANT_KINDS].sort());
    for (const seen of counts.values()) expect(seen).toBeGreaterThan(15);
  });

  it('never gives two consecutive turns the same variant, and uses all five every five turns', () => {
    for (let chat = 0; chat < 50; chat++) {
      const turns = Array.from({ length: 20 }, (_, turn) =>
        variantIndex(`chat-${chat}`, 2 * turn + 1),
      );
      for (let turn = 1; turn < turns.length; turn++) {
        expect(turns[turn]).not.toBe(turns[turn - 1]);
      }
      for (let from = 0; from + 5 <= turns.length; from += 5) {
        expect(new Set(turns.slice(from, from + 5)).size).toBe(5);
      }
    }
  });

  it('differs between chats at the same message count', () => {
    const indexes = new Set(Array.from({ length: 50 }, (_, i) => variantIndex(`chat-${i}`, 10)));
    expect(indexes.size).toBe(5);
  });
});

describe('anti-echo', () => {
  const reply = 'She set the lantern down on the crate and listened. [ROLL 1d20 Perception]';

  it('quotes the first 8 words of the previous reply and asks for a different start', () => {
    const text = buildPostHistory(options({ lastAssistantText: reply }));
    expect(text).toContain(
      'Your previous reply began with: "She set the lantern down on the crate". Begin this one differently',
    );
  });

  it('is left out without a previous reply', () => {
    expect(buildPostHistory(options())).not.toContain('previous reply began');
    expect(buildPostHistory(options({ lastAssistantText: '  [ROLL 1d6]  ' }))).not.toContain(
      'previous reply began',
    );
  });

  it('skips game tags, whitespace runs and oversized words', () => {
    expect(openingWords('[STATE {"a": 1}]\n  Steel   rings\n\nout.')).toBe('Steel rings out.');
    expect(openingWords('x'.repeat(1000))).toHaveLength(160);
  });

  it('inserts the opening literally, even with replacement patterns in it', () => {
    const text = buildPostHistory(
      options({ lastAssistantText: 'Price: $& and $1 each', language: 'ru' }),
    );
    expect(text).toContain('«Price: $& and $1 each»');
  });
});

describe('escalation', () => {
  it('adds the plot-advancement mandate from 12 messages on', () => {
    expect(buildPostHistory(options({ messageCount: 11 }))).not.toContain(ESCALATION.en);
    expect(buildPostHistory(options({ messageCount: 12 }))).toContain(ESCALATION.en);
    expect(buildPostHistory(options({ messageCount: 40, mode: 'dnd' }))).toContain(ESCALATION.en);
  });
});

describe('modes and the NSFW reminder', () => {
  it('adds the explicit-vocabulary reminder only when explicit, never in fiction mode', () => {
    expect(buildPostHistory(options({ explicit: true }))).toContain(NSFW_REMINDER.en);
    expect(buildPostHistory(options())).not.toContain(NSFW_REMINDER.en);
    expect(buildPostHistory(options({ explicit: true, mode: 'fiction' }))).not.toContain(
      NSFW_REMINDER.en,
    );
  });

  it('fiction: asks for a general audience only where the system prompt does (not explicit)', () => {
    for (const language of LANGUAGES) {
      const adult = buildPostHistory(options({ explicit: true, mode: 'fiction', language }));
      expect(adult.startsWith(FICTION_ADULT_POST_HISTORY[language])).toBe(true);
      expect(adult).not.toContain(FICTION_POST_HISTORY[language]);
      const general = buildPostHistory(options({ mode: 'fiction', language }));
      expect(general.startsWith(FICTION_POST_HISTORY[language])).toBe(true);
    }
    expect(FICTION_ADULT_POST_HISTORY.en).not.toMatch(/general audience/);
  });

  it('uses the GM and fiction post-histories instead of the roleplay core', () => {
    const dnd = buildPostHistory(options({ mode: 'dnd', language: 'pt' }));
    expect(dnd.startsWith(DND_POST_HISTORY.pt)).toBe(true);
    expect(dnd).not.toContain(POST_HISTORY_CORE.pt);
    const fiction = buildPostHistory(options({ mode: 'fiction', language: 'it' }));
    expect(fiction.startsWith(FICTION_POST_HISTORY.it)).toBe(true);
    expect(variantsIn(fiction)).toEqual([]);
  });

  it('speaks the chat language', () => {
    const text = buildPostHistory(options({ language: 'fr', messageCount: 20, explicit: true }));
    expect(text.startsWith(POST_HISTORY_CORE.fr)).toBe(true);
    expect(text).toContain(ESCALATION.fr);
    expect(text).toContain(NSFW_REMINDER.fr);
  });
});
