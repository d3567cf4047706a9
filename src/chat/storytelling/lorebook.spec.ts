import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateTokens, isSafePattern, safePattern, selectLorebookEntries } from './lorebook.js';

const entry = (fields: Record<string, unknown>) => ({
  keys: [],
  content: 'lore',
  extensions: {},
  enabled: true,
  insertion_order: 100,
  ...fields,
});
const book = (entries: unknown[], fields: Record<string, unknown> = {}) => ({
  extensions: {},
  entries,
  ...fields,
});
const fired = (selection: { fired: { id: number | string }[] }) =>
  selection.fired.map((ref) => ref.id);

describe('selectLorebookEntries', () => {
  it('fires entries whose key appears in the recent messages, case-insensitively by default', () => {
    const lore = book([
      entry({ id: 1, keys: ['Meridian'], content: 'The ship.' }),
      entry({ id: 2, keys: ['Kessler'], content: 'The station.' }),
    ]);
    const selection = selectLorebookEntries(lore, ['We board the MERIDIAN tonight.']);
    expect(selection).toEqual({ before: ['The ship.'], after: [], fired: [{ id: 1, name: null }] });
  });

  it('honours case_sensitive', () => {
    const lore = book([
      entry({ id: 1, keys: ['Rose'], case_sensitive: true }),
      entry({ id: 2, keys: ['Rose'], extensions: { case_sensitive: true } }),
      entry({ id: 3, keys: ['Rose'] }),
    ]);
    expect(fired(selectLorebookEntries(lore, ['a rose by any other name']))).toEqual([3]);
    expect(fired(selectLorebookEntries(lore, ['Rose smiled']))).toEqual([1, 2, 3]);
  });

  it('scans only the last scan_depth messages (book, entry, option, default 4)', () => {
    const messages = ['the dragon sleeps', 'two', 'three', 'four', 'five'];
    const dragon = entry({ id: 'dragon', keys: ['dragon'] });
    expect(fired(selectLorebookEntries(book([dragon]), messages))).toEqual([]);
    expect(fired(selectLorebookEntries(book([dragon]), messages.slice(1)))).toEqual([]);
    expect(fired(selectLorebookEntries(book([dragon]), messages.slice(0, 4)))).toEqual(['dragon']);
    expect(fired(selectLorebookEntries(book([dragon], { scan_depth: 5 }), messages))).toEqual([
      'dragon',
    ]);
    expect(fired(selectLorebookEntries(book([dragon]), messages, { defaultScanDepth: 5 }))).toEqual(
      ['dragon'],
    );
    const deepEntry = entry({ id: 'deep', keys: ['dragon'], extensions: { scan_depth: 5 } });
    expect(fired(selectLorebookEntries(book([deepEntry], { scan_depth: 1 }), messages))).toEqual([
      'deep',
    ]);
    expect(fired(selectLorebookEntries(book([dragon], { scan_depth: 0 }), messages))).toEqual([]);
  });

  it('requires a secondary key for selective entries (AND ANY by default)', () => {
    const kessler = entry({
      id: 'k',
      keys: ['Kessler'],
      secondary_keys: ['station', 'dock'],
      selective: true,
    });
    expect(fired(selectLorebookEntries(book([kessler]), ['Kessler is far']))).toEqual([]);
    expect(fired(selectLorebookEntries(book([kessler]), ['Kessler dock, bay 4']))).toEqual(['k']);
    expect(fired(selectLorebookEntries(book([kessler]), ['the station only']))).toEqual([]);
  });

  it('ignores secondary keys when not selective, or when the list is empty', () => {
    const loose = entry({ id: 'a', keys: ['Kessler'], secondary_keys: ['station'] });
    const empty = entry({ id: 'b', keys: ['Kessler'], secondary_keys: [], selective: true });
    expect(fired(selectLorebookEntries(book([loose, empty]), ['Kessler']))).toEqual(['a', 'b']);
  });

  it('supports the other SillyTavern selective logics', () => {
    const withLogic = (id: string, selectiveLogic: number) =>
      entry({
        id,
        keys: ['inn'],
        secondary_keys: ['night', 'rain'],
        selective: true,
        extensions: { selectiveLogic },
      });
    const lore = book([withLogic('not_all', 1), withLogic('not_any', 2), withLogic('and_all', 3)]);
    expect(fired(selectLorebookEntries(lore, ['the inn']))).toEqual(['not_all', 'not_any']);
    expect(fired(selectLorebookEntries(lore, ['the inn at night']))).toEqual(['not_all']);
    expect(fired(selectLorebookEntries(lore, ['the inn at night in the rain']))).toEqual([
      'and_all',
    ]);
  });

  it('always includes constant entries and never disabled ones', () => {
    const lore = book([
      entry({ id: 'always', constant: true, content: 'Magic is outlawed.' }),
      entry({ id: 'off', constant: true, enabled: false }),
      entry({ id: 'off-key', keys: ['magic'], enabled: false }),
    ]);
    expect(fired(selectLorebookEntries(lore, []))).toEqual(['always']);
    expect(fired(selectLorebookEntries(lore, ['magic!']))).toEqual(['always']);
  });

  it('orders by insertion_order, then by position in the book', () => {
    const lore = book([
      entry({ id: 'c', keys: ['x'], insertion_order: 30, content: 'C' }),
      entry({ id: 'a', keys: ['x'], insertion_order: 10, content: 'A' }),
      entry({ id: 'b1', keys: ['x'], insertion_order: 20, content: 'B1' }),
      entry({ id: 'b2', keys: ['x'], insertion_order: 20, content: 'B2' }),
    ]);
    const selection = selectLorebookEntries(lore, ['x']);
    expect(selection.before).toEqual(['A', 'B1', 'B2', 'C']);
    expect(fired(selection)).toEqual(['a', 'b1', 'b2', 'c']);
  });

  it('respects position before_char / after_char (and the numeric SillyTavern form)', () => {
    const lore = book([
      entry({ id: 1, keys: ['x'], position: 'after_char', content: 'after' }),
      entry({ id: 2, keys: ['x'], position: 'before_char', content: 'before' }),
      entry({ id: 3, keys: ['x'], extensions: { position: 1 }, content: 'after too' }),
      entry({ id: 4, keys: ['x'], content: 'default before' }),
    ]);
    const selection = selectLorebookEntries(lore, ['x']);
    expect(selection.before).toEqual(['before', 'default before']);
    expect(selection.after).toEqual(['after', 'after too']);
  });

  it('stays within the token budget, dropping lower priority first and keeping constants', () => {
    const text = (chars: number) => 'y'.repeat(chars);
    const lore = book(
      [
        entry({ id: 'low', keys: ['x'], priority: 1, content: text(160), insertion_order: 1 }),
        entry({ id: 'high', keys: ['x'], priority: 9, content: text(160), insertion_order: 2 }),
        entry({ id: 'const', constant: true, priority: 0, content: text(120), insertion_order: 3 }),
        entry({ id: 'small', keys: ['x'], priority: 0, content: text(36), insertion_order: 4 }),
      ],
      { token_budget: 100 },
    );
    // 120/4 + 160/4 = 70 tokens; "low" (40) no longer fits, "small" (9) still does.
    const selection = selectLorebookEntries(lore, ['x']);
    expect(fired(selection)).toEqual(['high', 'const', 'small']);
    const used = selection.before.reduce((sum, content) => sum + estimateTokens(content), 0);
    expect(used).toBeLessThanOrEqual(100);
  });

  it('caps a book budget with the option, and uses the option when the book has none', () => {
    const big = (id: string) => entry({ id, keys: ['x'], content: 'z'.repeat(400) });
    const lore = book([big('a'), big('b')], { token_budget: 10_000 });
    expect(fired(selectLorebookEntries(lore, ['x'], { maxTokenBudget: 150 }))).toEqual(['a']);
    expect(
      fired(selectLorebookEntries(book([big('a'), big('b')]), ['x'], { maxTokenBudget: 250 })),
    ).toEqual(['a', 'b']);
  });

  it('names fired entries by id or index, and by name or comment', () => {
    const lore = book([
      entry({ keys: ['x'], comment: 'From comment' }),
      entry({ id: 'k7', keys: ['x'], name: 'Named', comment: 'ignored' }),
    ]);
    expect(selectLorebookEntries(lore, ['x']).fired).toEqual([
      { id: 0, name: 'From comment' },
      { id: 'k7', name: 'Named' },
    ]);
  });

  it('matches regex keys, and refuses unsafe or invalid ones', () => {
    const lore = book([
      entry({ id: 'slashed', keys: ['/inspect(or|eur) ?\\w*/i'] }),
      entry({ id: 'v3', keys: ['capt(ain|\\.) \\w+'], use_regex: true }),
      entry({ id: 'redos', keys: ['/(a+)+$/'] }),
      entry({ id: 'invalid', keys: ['/([a-/'] }),
    ]);
    expect(
      fired(
        selectLorebookEntries(lore, [
          'INSPECTEUR Lagarde and Capt. Vale',
          'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!',
        ]),
      ),
    ).toEqual(['slashed', 'v3']);
  });

  it('takes a use_regex key literally when it is not a usable regex (SillyTavern exports)', () => {
    const lore = book([entry({ id: 1, keys: ['Bob (the'], use_regex: true })]);
    expect(fired(selectLorebookEntries(lore, ['it was bob (the baker)']))).toEqual([1]);
  });

  it('matches whole words only when asked', () => {
    const lore = book([
      entry({ id: 'whole', keys: ['cat'], extensions: { match_whole_words: true } }),
      entry({ id: 'part', keys: ['cat'] }),
    ]);
    expect(fired(selectLorebookEntries(lore, ['a catapult']))).toEqual(['part']);
    expect(fired(selectLorebookEntries(lore, ['the Cat, asleep']))).toEqual(['whole', 'part']);
  });

  it('drops card V3 decorator lines from the content', () => {
    const lore = book([
      entry({ keys: ['x'], content: '@@depth 4\n@@@instruct_depth 4\nThe lore.' }),
    ]);
    expect(selectLorebookEntries(lore, ['x']).before).toEqual(['The lore.']);
  });

  it('returns nothing for malformed books and skips malformed entries, never throwing', () => {
    const none = { before: [], after: [], fired: [] };
    for (const malformed of [
      null,
      undefined,
      'book',
      42,
      [],
      {},
      { entries: 'x' },
      { entries: {} },
    ]) {
      expect(selectLorebookEntries(malformed, ['x'])).toEqual(none);
    }
    const lore = book(
      [
        null,
        'entry',
        [],
        entry({ keys: 'x' }),
        entry({ keys: [42, null, ''] }),
        entry({ keys: ['x'], content: 7 }),
        entry({ keys: ['x'], content: '   ' }),
        entry({
          id: { nested: true },
          keys: ['x'],
          insertion_order: 'first',
          priority: NaN,
          content: 'ok',
        }),
      ],
      { scan_depth: 'deep', token_budget: -5 },
    );
    expect(selectLorebookEntries(lore, ['x'])).toEqual({
      before: ['ok'],
      after: [],
      fired: [{ id: 7, name: null }],
    });
  });

  it('reads the books of real exported cards', () => {
    const fixture = (name: string) => {
      const card = JSON.parse(
        readFileSync(join(process.cwd(), 'src/characters/lib/fixtures', name), 'utf8'),
      ) as { data: { character_book: unknown } };
      return card.data.character_book;
    };
    const voss = selectLorebookEntries(fixture('sillytavern-chub-v2.json'), [
      'We limp into Kessler dock.',
      'The ship groans.',
    ]);
    expect(voss.fired.map((ref) => ref.name)).toEqual(['Kessler Station', 'The ship']);
    expect(voss.before[0]).toMatch(/^Kessler Station is/);
    expect(voss.after[0]).toMatch(/^The Meridian is/);

    const paris = selectLorebookEntries(fixture('risu-v3.json'), [
      'An inspector at the Exposition',
    ]);
    expect(paris.before).toHaveLength(2);
    expect(paris.before[0]).toMatch(/^The Exposition Universelle/);
    expect(paris.before[1]).toContain('Inspector Lagarde');
  });
});

describe('isSafePattern', () => {
  it.each(['inspect(or|eur) ?\\w*', 'capt(ain)?', '\\bdragons?\\b', '[(+*)]+', '(?:a|b)?c'])(
    'accepts %s',
    (pattern) => expect(isSafePattern(pattern)).toBe(true),
  );
  it.each([
    '(a+)+',
    '(a|aa)*',
    '((ab)*c)+',
    '(\\w+\\s?)*$',
    '(x{1,3}){2,}',
    '(a)\\1',
    'a)',
    'x'.repeat(201),
    // Side by side, quantifiers backtrack polynomially: 50 spaces took seconds.
    '\\s*\\s*\\s*\\s*\\s*\\s*x',
    '.*.*.*!',
    '[a-z]*[a-z]*[a-z]*$',
    'a?'.repeat(40) + 'a'.repeat(40),
    '\\w{1,2000}x',
    // Alternatives multiply too: each group doubles the ways to try.
    '(a|a)'.repeat(39) + 'b',
    '(?:\\w|\\d)'.repeat(20) + '!',
  ])('rejects %s', (pattern) => expect(isSafePattern(pattern)).toBe(false));

  it.each(['\\bmy\\s+name\\s+is\\b', '\\w+ \\w+', 'foo.*bar.*baz', '(red|blue|green) dragons?'])(
    'still accepts the everyday key %s',
    (pattern) => expect(isSafePattern(pattern)).toBe(true),
  );

  it("shares one budget between a book's regex keys: keys past it never match", () => {
    // Each key may try 31 ways per position: 66 of them fit in the budget of 2048.
    const book = {
      entries: Array.from({ length: 100 }, (_, i) => ({
        keys: [`/w${i}\\s*x/`],
        content: `E${i}`,
      })),
    };
    expect(selectLorebookEntries(book, ['w0 x']).before).toEqual(['E0']);
    expect(selectLorebookEntries(book, ['w65 x']).before).toEqual(['E65']);
    expect(selectLorebookEntries(book, ['w66 x']).before).toEqual([]);
  });

  it.each([
    ['dragon\\w*', 'dragon\\w{0,30}'],
    ['colou?rs+', 'colou?rs{1,30}'],
    ['a{2,}?b', 'a{2,32}?b'],
    ['(?:red|blue) (dragon)?', '(?:red|blue) (dragon)?'],
  ])('bounds the quantifiers of %s', (pattern, bounded) =>
    expect(safePattern(pattern)).toBe(bounded),
  );

  it('looks at the latest 20,000 characters only, and the first 50 keys of an entry', () => {
    const book = {
      entries: [
        { keys: ['needle'], content: 'Found.' },
        { keys: [...Array.from({ length: 50 }, (_, i) => `k${i}x`), 'late'], content: 'Late.' },
      ],
    };
    const early = `needle ${'.'.repeat(20_000)}`;
    expect(selectLorebookEntries(book, [early]).before).toEqual([]);
    expect(selectLorebookEntries(book, [`${'.'.repeat(20_000)} needle`]).before).toEqual([
      'Found.',
    ]);
    expect(selectLorebookEntries(book, ['late']).before).toEqual([]);
  });

  it('keeps a hostile key from stalling a message', () => {
    const book = { entries: [{ keys: ['/\\s*\\s*x/', '/(\\s*y)/'], content: 'Lore.' }] };
    // Unbounded, these keys ran for minutes on such a message (past the test's timeout).
    expect(selectLorebookEntries(book, [' '.repeat(100_000)]).before).toEqual([]);
    expect(selectLorebookEntries(book, [`${' '.repeat(20)}y`]).before).toEqual(['Lore.']);
  });
});
