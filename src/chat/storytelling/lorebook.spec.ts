import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOREBOOK_LIMITS } from '../../characters/lib/lorebook-limits.js';
import {
  BOOK_STEP_BUDGET,
  estimateTokens,
  isSafePattern,
  safePattern,
  selectLorebookEntries,
} from './lorebook.js';

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
    expect(selection).toMatchObject({
      before: ['The ship.'],
      after: [],
      fired: [{ id: 1, name: null }],
    });
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
    const none = { before: [], after: [], fired: [], steps: 0, cached: false };
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
    expect(selectLorebookEntries(lore, ['x'])).toMatchObject({
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
    // Each key may try 31 ways per position: over 20,000 characters, 66 of them fit in the
    // budget of 2,048 × 20,000 steps.
    const book = {
      entries: Array.from({ length: 100 }, (_, i) => ({
        keys: [`/w${i}\\s*x/`],
        content: `E${i}`,
      })),
    };
    const longMessage = (tail: string) => `${'.'.repeat(20_000 - tail.length)}${tail}`;
    expect(selectLorebookEntries(book, [longMessage('w0 x')]).before).toEqual(['E0']);
    expect(selectLorebookEntries(book, [longMessage('w65 x')]).before).toEqual(['E65']);
    const past = selectLorebookEntries(book, [longMessage('w66 x')]);
    expect(past.before).toEqual([]);
    expect(past.steps).toBe(66 * 31 * 20_001);
    // A short message costs little: every key fits.
    expect(selectLorebookEntries(book, ['w99 x']).before).toEqual(['E99']);
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

describe('lorebook bounds (issue #24)', () => {
  /** A whole-word book of about 600 KB: 1,000 entries of 50 ten-letter keys each. */
  const wholeWordBook = () => ({
    entries: Array.from({ length: 1_000 }, (_, i) => ({
      id: i,
      keys: Array.from({ length: 50 }, (_, j) => `k${String(i * 50 + j).padStart(6, '0')}zzz`),
      content: `Lore ${i}.`,
      extensions: { match_whole_words: true },
    })),
  });

  it('keeps a 600 KB whole-word book within the step budget, matching only the first 5,000 keys', () => {
    const book = wholeWordBook();
    expect(JSON.stringify(book).length).toBeGreaterThan(600_000);
    // One key of every entry, and words that almost are keys, up to the 20,000 characters scanned.
    const keysOfAll = book.entries.map((entry, i) => entry.keys[i % 50]).join(' ');
    const message = `${keysOfAll} ${'k000000zz k000000zzzz '.repeat(1_000)}`.slice(0, 20_000);
    const selection = selectLorebookEntries(book, [message], { maxTokenBudget: 1_000_000 });
    expect(selection.steps).toBeGreaterThan(0);
    expect(selection.steps).toBeLessThanOrEqual(BOOK_STEP_BUDGET);
    // One pass over the text: a step per character, failure link and occurrence.
    expect(selection.steps).toBeLessThanOrEqual(3 * message.length);
    // Keys past the book's 5,000th (entries from 100 on) are ignored.
    expect(fired(selection)).toEqual(
      Array.from({ length: LOREBOOK_LIMITS.keys / 50 }, (_, i) => i),
    );
  });

  it('stops every key kind at the one budget, however many scan depths and nested keys', () => {
    // Keys a, aa, … (200 nested keys: 200 occurrences at each position) at 100 scan depths,
    // plus the costliest regex keys: unbounded, ~10⁹ steps.
    const nested = Array.from({ length: 200 }, (_, n) => 'a'.repeat(n + 1));
    const book = {
      entries: [
        ...Array.from({ length: 100 }, (_, depth) => ({
          keys: nested.slice(0, 25),
          content: `Depth ${depth}.`,
          extensions: { match_whole_words: true, scan_depth: depth + 1 },
        })),
        { keys: nested.slice(25), content: 'Nested.', extensions: { scan_depth: 100 } },
        ...Array.from({ length: 20 }, (_, i) => ({
          keys: [`/\\s{0,31}\\s{0,31}${i}x/`],
          content: `Regex ${i}.`,
        })),
      ],
    };
    const messages = Array.from({ length: 100 }, () => 'a'.repeat(200));
    const started = performance.now();
    const selection = selectLorebookEntries(book, messages);
    const elapsed = performance.now() - started;
    expect(selection.steps).toBeLessThanOrEqual(BOOK_STEP_BUDGET);
    expect(selection.steps).toBeGreaterThan(BOOK_STEP_BUDGET / 2);
    // The same work every time: the bound is in steps, not in time.
    expect(selectLorebookEntries(book, messages).steps).toBe(selection.steps);
    // Generous (the budget is ~0.2 s at worst); unbounded, this took minutes.
    expect(elapsed).toBeLessThan(5_000);
  });

  it('compiles a book once per version: the second message hits the cache', () => {
    const book = wholeWordBook();
    const cacheKey = `character-${Math.random()}:1`;
    const first = selectLorebookEntries(book, ['k000000zzz'], { cacheKey });
    const second = selectLorebookEntries(book, ['k000000zzz'], { cacheKey });
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.fired).toEqual(first.fired);
    expect(second.fired).toEqual([{ id: 0, name: null }]);
    // Another version (an edit) is compiled anew.
    const edited = { entries: [{ keys: ['k000000zzz'], content: 'Edited.' }] };
    const third = selectLorebookEntries(edited, ['k000000zzz'], { cacheKey: `${cacheKey}:2` });
    expect([third.cached, third.before]).toEqual([false, ['Edited.']]);
    // Without a key, nothing is cached.
    expect(selectLorebookEntries(book, ['x']).cached).toBe(false);
  });

  it('matches whole words at Unicode letter, digit and underscore boundaries', () => {
    const lore = book([
      entry({ id: 'café', keys: ['Café'], extensions: { match_whole_words: true } }),
      entry({ id: 'cat', keys: ['cat'], extensions: { match_whole_words: true } }),
      entry({ id: 'dragon', keys: ['龍'], extensions: { match_whole_words: true } }),
      entry({
        id: 'exact',
        keys: ['Bob'],
        case_sensitive: true,
        extensions: { match_whole_words: true },
      }),
    ]);
    const hits = (text: string) => fired(selectLorebookEntries(lore, [text]));
    expect(hits('un CAFÉ, merci')).toEqual(['café']);
    expect(hits('des cafés')).toEqual([]);
    expect(hits('cat_1 2cat écat caté')).toEqual([]);
    expect(hits('🐈cat🐈 (龍)')).toEqual(['cat', 'dragon']);
    expect(hits('bob BOB')).toEqual([]);
    expect(hits('catcat cat bob Bob')).toEqual(['cat', 'exact']);
  });

  it('ignores keys past the limits in books stored before them', () => {
    const long = 'x'.repeat(LOREBOOK_LIMITS.keyLength + 1);
    const lore = book([
      entry({ id: 'long', keys: [long] }),
      ...Array.from({ length: LOREBOOK_LIMITS.keys / 50 }, (_, i) =>
        entry({ id: i, keys: Array.from({ length: 50 }, (_, j) => `key${i}-${j}`) }),
      ),
      entry({ id: 'late', keys: ['late'] }),
    ]);
    expect(fired(selectLorebookEntries(lore, [`${long} late key0-0`]))).toEqual([0]);
  });
});
