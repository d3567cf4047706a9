import { describe, expect, it } from '@jest/globals';
import { HUMANIZER_REPLACEMENTS, humanizeCharacterData, humanizeText } from './text-humanizer.js';

describe('humanizeText', () => {
  it.each([
    ['We delve into the tapestry of the realm.', 'We explore the blend of the world.'],
    ['She delved deeper; delving was her art.', 'She explored deeper; exploring was her art.'],
    ['His loyalty is a testament to the crew.', 'His loyalty proves the crew.'],
    ["It's important to note that the ship is old.", 'Note that the ship is old.'],
    ['It’s worth noting that she lies.', 'Notably, she lies.'],
    ['A  symphony   of scents.', 'A mix of scents.'],
    ['DELVE INTO the REALM', 'EXPLORE the WORLD'],
    ['Delve deeper, delving was her art.', 'Explore deeper, exploring was her art.'],
    ['Tapestry, realm, Testament.', 'Blend, world, Proof.'],
  ])('replaces English clichés keeping case: %s', (input, expected) => {
    expect(humanizeText(input)).toBe(expected);
  });

  it('respects word boundaries', () => {
    expect(humanizeText('realmless delver undelve realm_x')).toBe(
      'realmless delver undelve realm_x',
    );
  });

  it.each([
    ['Стоит отметить, что она лжёт.', 'Заметим, что она лжёт.'],
    ['Многогранная натура и многогранный ум.', 'Разнообразная натура и разнообразный ум.'],
    ['Это неотъемлемой частью стало.', 'Это важной частью стало.'],
    ['НЕПОКОЛЕБИМАЯ воля, старый гобелена край', 'ТВЁРДАЯ воля, старый узора край'],
    ['Она затаила дыхание и прикусила губу.', 'Она замерла и поджала губы.'],
    ['В самом сердце города.', 'В самом центре города.'],
  ])('replaces Russian clichés, Cyrillic-aware: %s', (input, expected) => {
    expect(humanizeText(input)).toBe(expected);
  });

  it('leaves Cyrillic words that only contain a cliché alone', () => {
    expect(humanizeText('сверхмногогранный погрузиться-в')).toBe('сверхмногогранный погрузиться-в');
  });

  it('has about 65 clichés, and no replacement is itself a cliché', () => {
    expect(HUMANIZER_REPLACEMENTS.length).toBeGreaterThanOrEqual(65);
    for (const { to } of HUMANIZER_REPLACEMENTS) expect(humanizeText(to)).toBe(to);
  });
});

describe('humanizeCharacterData', () => {
  it('humanizes every string in nested arrays and objects and keeps other values', () => {
    const input = {
      name: 'Realm Walker',
      max_tokens: 2048,
      is_public: true,
      tags: ['tapestry', 'space'],
      greeting: { action: 'She delves.', lines: ['A realm.'] },
      book: null,
    };
    expect(humanizeCharacterData(input)).toEqual({
      name: 'World Walker',
      max_tokens: 2048,
      is_public: true,
      tags: ['blend', 'space'],
      greeting: { action: 'She explores.', lines: ['A world.'] },
      book: null,
    });
    expect(input.name).toBe('Realm Walker');
  });
});
