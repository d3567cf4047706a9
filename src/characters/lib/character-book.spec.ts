import { describe, expect, it } from '@jest/globals';
import { CardError } from './card-error.js';
import { readCharacterBook } from './character-book.js';

describe('readCharacterBook', () => {
  it('fills the fields the V2/V3 specs require and keeps everything else', () => {
    const book = readCharacterBook({
      name: 'Coast',
      x_tool: { kept: true },
      entries: [{ keys: ['tower'], content: 'Old.', comment: 'Tower', x_field: 1 }],
    });
    expect(book).toEqual({
      name: 'Coast',
      x_tool: { kept: true },
      extensions: {},
      entries: [
        {
          keys: ['tower'],
          content: 'Old.',
          comment: 'Tower',
          x_field: 1,
          enabled: true,
          insertion_order: 100,
          use_regex: false,
          extensions: {},
        },
      ],
    });
  });

  it.each([
    ['a string', 'book', 'character_book must be an object'],
    [
      'entries as an object of non-entries',
      { entries: { a: 1 } },
      'character_book must be a V2/V3 lorebook: an object with an entries array ' +
        '(a SillyTavern world info file, with entries keyed by uid, is converted)',
    ],
    ['an entry that is no object', { entries: [1] }, 'character_book.entries[0] must be an object'],
    [
      'an entry without content',
      { entries: [{ keys: ['a'] }] },
      'character_book.entries[0].content must be a string',
    ],
    [
      'keys as a string',
      { entries: [{ keys: 'a,b', content: 'x' }] },
      'character_book.entries[0].keys must be an array of strings',
    ],
    [
      'a string insertion order',
      { entries: [{ keys: [], content: 'x', insertion_order: '5' }] },
      'character_book.entries[0].insertion_order must be a number',
    ],
    [
      'an unknown position',
      { entries: [{ keys: [], content: 'x', position: 'top' }] },
      "character_book.entries[0].position must be 'before_char' or 'after_char'",
    ],
    [
      'a string scan depth',
      { scan_depth: 'deep', entries: [] },
      'character_book.scan_depth must be a number',
    ],
    [
      'array extensions',
      { extensions: [], entries: [] },
      'character_book.extensions must be an object',
    ],
  ])('refuses %s, naming the field', (_case, value, message) => {
    expect(() => readCharacterBook(value)).toThrow(new CardError(message));
  });

  it('converts a SillyTavern world info file as SillyTavern converts one into a card', () => {
    const book = readCharacterBook({
      name: 'Eldoria',
      entries: {
        '7': {
          uid: 7,
          key: ['forest'],
          keysecondary: ['night'],
          comment: 'Woods',
          content: 'The forest is old.',
          constant: false,
          selective: true,
          order: 50,
          position: 1,
          disable: false,
          depth: 4,
          probability: 100,
        },
      },
    });
    expect(book).toEqual({
      name: 'Eldoria',
      extensions: {},
      entries: [
        {
          id: 7,
          keys: ['forest'],
          secondary_keys: ['night'],
          comment: 'Woods',
          content: 'The forest is old.',
          constant: false,
          selective: true,
          insertion_order: 50,
          enabled: true,
          position: 'after_char',
          use_regex: false,
          extensions: { position: 1, depth: 4, probability: 100 },
        },
      ],
    });
  });

  it('unwraps a standalone lorebook_v3 file and applies the limits', () => {
    expect(readCharacterBook({ spec: 'lorebook_v3', data: { entries: [] } })).toEqual({
      entries: [],
      extensions: {},
    });
    const tooMany = { entries: Array.from({ length: 1001 }, () => ({ keys: [], content: '' })) };
    expect(() => readCharacterBook(tooMany, 'data.character_book')).toThrow(
      'data.character_book may hold at most 1,000 entries (it has 1,001)',
    );
  });
});
