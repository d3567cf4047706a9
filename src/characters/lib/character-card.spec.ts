import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { characterToCard, toV2Card, type CharacterCardV3 } from './card-export.js';
import {
  CardError,
  cardToCharacterData,
  hasNsfwTag,
  parseCard,
  parseCardJson,
  type CharacterCardFields,
} from './character-card.js';
import { CHARACTER_LIMITS } from '../dto/character-limits.js';

// Cards written by hand after the public specs and real SillyTavern / chub / RisuAI exports,
// not by our exporter, so the import is tested against what other tools actually produce.
const fixture = (name: string): { spec: string; data: Record<string, unknown> } =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const platform = { platformKey: 'sweetsin' };

const ours: CharacterCardFields = {
  name: 'Анна Каренина',
  description: 'A St Petersburg aristocrat.',
  personality: 'passionate, proud',
  scenario: 'A ball in Moscow.',
  greeting: '*Анна оборачивается.* - Вы опоздали.',
  alternateGreetings: ['- Снова вы?'],
  exampleDialogues: '<START>\n{{user}}: Hello\n{{char}}: - Здравствуйте.',
  appearance: 'Dark curls, black velvet dress.',
  speechPattern: 'Formal, with French phrases.',
  tags: ['classics', 'drama'],
  structuredTags: ['historical', 'romance', 'drama'],
  responseLength: 'long',
  maxTokens: 1024,
  contentRating: 'sfw',
  originalLanguage: 'ru',
  highlights: [{ text: 'Трагическая героиня', lang: 'ru' }],
  characterBook: null,
  cardExtensions: {},
  systemPrompt: '',
  postHistoryInstructions: '',
  cardExtras: {},
};

describe('parseCard', () => {
  it('reads a flat V1 card and fills the V2 fields with defaults', () => {
    const card = parseCard({
      name: 'Old Bot',
      description: 'desc',
      personality: 'pers',
      scenario: 'scen',
      first_mes: 'Hi!',
      mes_example: '<START>',
    });
    expect(card).toEqual({
      spec: 'v1',
      name: 'Old Bot',
      description: 'desc',
      personality: 'pers',
      scenario: 'scen',
      first_mes: 'Hi!',
      mes_example: '<START>',
      creator_notes: '',
      system_prompt: '',
      post_history_instructions: '',
      alternate_greetings: [],
      group_only_greetings: [],
      tags: [],
      creator: '',
      character_version: '',
      character_book: null,
      extensions: {},
      unknown: {},
      root: {},
    });
  });

  it('reads a SillyTavern V2 export from data, ignoring the root-level V1 copies', () => {
    const source = fixture('sillytavern-chub-v2.json');
    const card = parseCard(source);
    expect(card.spec).toBe('v2');
    expect(card.description).toBe(source.data.description);
    expect(card.tags).toEqual(['Sci-Fi', 'Space', 'Female', 'OC']);
    expect(card.creator_notes).toBe(source.data.creator_notes);
    expect(card.alternate_greetings).toHaveLength(2);
    expect(card.character_book).toEqual(source.data.character_book);
    expect(card.extensions).toEqual(source.data.extensions);
  });

  it('reads a V3 card, including group-only greetings, and accepts a newer 3.x version', () => {
    const source = fixture('risu-v3.json');
    const card = parseCard({ ...source, spec_version: '3.1' });
    expect(card.spec).toBe('v3');
    expect(card.name).toBe('Élodie Marchand');
    expect(card.group_only_greetings).toEqual(source.data.group_only_greetings);
    expect(card.system_prompt).toBe(source.data.system_prompt);
  });

  const v2 = (data: Record<string, unknown>) => ({
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data: { name: 'Mira', ...data },
  });

  it.each([
    ['null', null, 'character card must be a JSON object'],
    ['an array', [{ name: 'x' }], 'character card must be a JSON object'],
    ['a string', '{"name":"x"}', 'character card must be a JSON object'],
    ['an unknown spec', { spec: 'foo', data: {} }, "unsupported spec 'foo'"],
    ['a numeric spec', { spec: 2 }, 'spec must be a string'],
    ['V2 without data', { spec: 'chara_card_v2' }, 'data must be an object'],
    ['V1 without a name', { description: 'x' }, 'name must be a non-empty string'],
    ['V2 without a name', v2({ name: undefined }), 'data.name must be a non-empty string'],
    ['a blank name', v2({ name: '   ' }), 'data.name must be a non-empty string'],
    ['a long name', v2({ name: 'x'.repeat(101) }), 'data.name must be at most 100 characters'],
    ['a numeric description', v2({ description: 5 }), 'data.description must be a string'],
    [
      'a huge first message',
      v2({ first_mes: 'x'.repeat(20_001) }),
      'data.first_mes must be at most 20000 characters',
    ],
    [
      'non-string greetings',
      v2({ alternate_greetings: ['hi', 1] }),
      'data.alternate_greetings must be an array of strings',
    ],
    ['tags as a string', v2({ tags: 'a,b' }), 'data.tags must be an array of strings'],
    [
      'an over-long tag',
      v2({ tags: ['x'.repeat(101)] }),
      'data.tags items must be at most 100 characters',
    ],
    [
      'a book without entries',
      v2({ character_book: { name: 'x' } }),
      'data.character_book must be a V2/V3 lorebook: an object with an entries array ' +
        '(a SillyTavern world info file, with entries keyed by uid, is converted)',
    ],
    ['array extensions', v2({ extensions: [] }), 'data.extensions must be an object'],
  ])('rejects %s', (_case, json, message) => {
    expect(() => parseCard(json)).toThrow(new CardError(message));
  });

  it('throws CardError, so the API can answer 400', () => {
    expect(() => parseCard(42)).toThrow(CardError);
  });
});

describe('parseCardJson', () => {
  it('parses text and bytes, tolerating a byte order mark', () => {
    const json = JSON.stringify(fixture('risu-v3.json'));
    expect(parseCardJson(json).name).toBe('Élodie Marchand');
    expect(parseCardJson(Buffer.from(`\uFEFF${json}`)).name).toBe('Élodie Marchand');
  });

  it('rejects malformed JSON', () => {
    expect(() => parseCardJson('{"name": ')).toThrow(
      new CardError('character card is not valid JSON'),
    );
  });

  it('rejects a card over 1 MB before parsing it', () => {
    const huge = JSON.stringify({ name: 'x', description: 'é'.repeat(600_000) });
    expect(() => parseCardJson(huge)).toThrow(new CardError('character card must be at most 1 MB'));
  });
});

describe('cardToCharacterData', () => {
  it('maps a V1 card to character fields with the column defaults', () => {
    const card = parseCard({ name: ' Old Bot ', first_mes: 'Hi!', mes_example: '<START>' });
    expect(cardToCharacterData(card, platform)).toEqual({
      name: 'Old Bot',
      description: '',
      personality: '',
      scenario: '',
      greeting: 'Hi!',
      alternateGreetings: [],
      exampleDialogues: '<START>',
      appearance: '',
      speechPattern: '',
      tags: [],
      structuredTags: [],
      responseLength: 'medium',
      maxTokens: 2048,
      contentRating: 'sfw',
      originalLanguage: 'en',
      highlights: [],
      characterBook: null,
      cardExtensions: {},
      systemPrompt: '',
      postHistoryInstructions: '',
      cardExtras: {},
    });
  });

  it('maps a chub V2 card: greeting, examples, lower-cased tags, book and extensions kept', () => {
    const source = fixture('sillytavern-chub-v2.json');
    const fields = cardToCharacterData(parseCard(source), platform);
    expect(fields).toMatchObject({
      name: 'Captain Mira Voss',
      greeting: source.data.first_mes,
      alternateGreetings: source.data.alternate_greetings,
      exampleDialogues: source.data.mes_example,
      tags: ['sci-fi', 'space', 'female', 'oc'],
      characterBook: source.data.character_book,
      cardExtensions: source.data.extensions,
    });
  });

  it('reads our extension, accepting comma-separated structured tags and dropping unknown ids', () => {
    const card = parseCard({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name: 'Mira',
        extensions: {
          sweetsin: {
            structured_tags: 'sci-fi, no-longer-a-tag, rivals',
            response_length: 'very_long',
            max_tokens: 4096,
            content_rating: 'nsfw',
            original_language: 'de',
          },
        },
      },
    });
    expect(cardToCharacterData(card, platform)).toMatchObject({
      structuredTags: ['sci-fi', 'rivals'],
      responseLength: 'very_long',
      maxTokens: 4096,
      contentRating: 'nsfw',
      originalLanguage: 'de',
      cardExtensions: {},
    });
  });

  it.each([
    ['not an object', 'yes', 'data.extensions.sweetsin must be an object'],
    [
      'a bad response length',
      { response_length: 'huge' },
      'data.extensions.sweetsin.response_length must be one of short, medium, long, very_long',
    ],
    [
      'max tokens as a string',
      { max_tokens: '2048' },
      'data.extensions.sweetsin.max_tokens must be a number',
    ],
    [
      'an unsupported language',
      { original_language: 'ja' },
      'data.extensions.sweetsin.original_language must be one of ru, en, es, fr, de, pt, it',
    ],
    [
      'numeric structured tags',
      { structured_tags: [1] },
      'data.extensions.sweetsin.structured_tags must be a string or an array of strings',
    ],
    [
      'a numeric appearance',
      { appearance: 1 },
      'data.extensions.sweetsin.appearance must be a string',
    ],
  ])('rejects our extension with %s', (_case, extension, message) => {
    const card = parseCard({
      spec: 'chara_card_v2',
      data: { name: 'Mira', extensions: { sweetsin: extension } },
    });
    expect(() => cardToCharacterData(card, platform)).toThrow(new CardError(message));
  });

  it('clamps a card from another app into the API limits and ignores imported highlights', () => {
    const card = parseCard({
      spec: 'chara_card_v2',
      data: {
        name: 'Mira',
        alternate_greetings: Array.from({ length: 150 }, (_, i) => `Hello ${i}`),
        tags: Array.from({ length: 120 }, (_, i) => `Tag${i}`),
        extensions: {
          sweetsin: {
            max_tokens: 32_768,
            highlights: [{ text: 'Best character ever, 5 stars', lang: 'en' }],
          },
        },
      },
    });
    const fields = cardToCharacterData(card, platform);
    expect(fields.alternateGreetings).toEqual(
      Array.from({ length: CHARACTER_LIMITS.alternateGreetings }, (_, i) => `Hello ${i}`),
    );
    expect(fields.tags).toHaveLength(CHARACTER_LIMITS.tags);
    expect(fields.tags[0]).toBe('tag0');
    expect(fields.maxTokens).toBe(CHARACTER_LIMITS.maxTokensMax);
    expect(fields.highlights).toEqual([]);
  });

  it.each([
    [0, CHARACTER_LIMITS.maxTokensMin],
    [1.5, CHARACTER_LIMITS.maxTokensMin],
    [1000.4, 1000],
    [1e12, CHARACTER_LIMITS.maxTokensMax],
  ])('clamps max_tokens %p to %p', (maxTokens, expected) => {
    const card = parseCard({
      spec: 'chara_card_v2',
      data: { name: 'Mira', extensions: { sweetsin: { max_tokens: maxTokens } } },
    });
    expect(cardToCharacterData(card, platform).maxTokens).toBe(expected);
  });

  it('keeps only as many tags as fit the API tags string', () => {
    const card = parseCard({
      spec: 'chara_card_v2',
      data: { name: 'Mira', tags: Array.from({ length: 10 }, (_, i) => `${i}`.repeat(90)) },
    });
    const { tags } = cardToCharacterData(card, platform);
    expect(tags).toHaveLength(5);
    expect(tags.join(', ').length).toBeLessThanOrEqual(CHARACTER_LIMITS.tagsText);
  });
});

describe('characterToCard', () => {
  it('exports V2 with our fields in extensions[platformKey]', () => {
    const card = characterToCard(ours, { spec: 'v2', platformKey: 'sweetsin', creator: 'anna' });
    expect(card).toEqual({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name: ours.name,
        description: ours.description,
        personality: ours.personality,
        scenario: ours.scenario,
        first_mes: ours.greeting,
        mes_example: ours.exampleDialogues,
        creator_notes: '',
        system_prompt: '',
        post_history_instructions: '',
        alternate_greetings: ours.alternateGreetings,
        tags: ['classics', 'drama'],
        creator: 'anna',
        character_version: '',
        group_only_greetings: [],
        extensions: {
          sweetsin: {
            appearance: ours.appearance,
            speech_pattern: ours.speechPattern,
            structured_tags: ['historical', 'romance', 'drama'],
            response_length: 'long',
            max_tokens: 1024,
            content_rating: 'sfw',
            original_language: 'ru',
            highlights: ours.highlights,
          },
        },
      },
    });
  });

  it('exports V3 with the required group_only_greetings', () => {
    const card = characterToCard(ours, { spec: 'v3', ...platform });
    expect(card.spec).toBe('chara_card_v3');
    expect(card.spec_version).toBe('3.0');
    expect(card.data.group_only_greetings).toEqual([]);
    expect(card.data.first_mes).toBe(ours.greeting);
  });

  it.each(['v2', 'v3'] as const)('round-trips our own fields through %s JSON', (spec) => {
    const json = JSON.stringify(characterToCard(ours, { spec, ...platform }));
    // Highlights are editorial: exported, never imported.
    expect(cardToCharacterData(parseCardJson(json), platform)).toEqual({ ...ours, highlights: [] });
  });

  it('turns a V1 card into a V2 card', () => {
    const v1 = {
      name: 'Old Bot',
      description: 'desc',
      personality: 'pers',
      scenario: 'scen',
      first_mes: 'Hi!',
      mes_example: '<START>',
    };
    const { data } = characterToCard(cardToCharacterData(parseCard(v1), platform), {
      spec: 'v2',
      ...platform,
    });
    expect(data).toMatchObject(v1);
    expect(data).not.toHaveProperty('character_book');
  });

  it('gives back the book and foreign extensions of an imported chub V2 card untouched', () => {
    const source = fixture('sillytavern-chub-v2.json');
    const fields = cardToCharacterData(parseCard(source), platform);
    const { data } = characterToCard(fields, { spec: 'v2', ...platform });
    expect(data.character_book).toEqual(source.data.character_book);
    const { sweetsin, ...foreign } = data.extensions;
    expect(foreign).toEqual(source.data.extensions);
    expect(sweetsin).toMatchObject({ structured_tags: [], response_length: 'medium' });
    for (const key of [
      'name',
      'description',
      'personality',
      'scenario',
      'first_mes',
      'mes_example',
    ]) {
      expect(data[key as keyof typeof data]).toBe(source.data[key]);
    }
    expect(data.alternate_greetings).toEqual(source.data.alternate_greetings);
  });

  it('keeps V3 lorebook entries with use_regex and decorators verbatim through import and export', () => {
    const source = fixture('risu-v3.json');
    const fields = cardToCharacterData(parseCard(source), platform);
    const card = characterToCard(fields, { spec: 'v3', ...platform });
    expect(card.data.character_book).toEqual(source.data.character_book);
    expect(card.data.extensions).toMatchObject(source.data.extensions as object);
    expect(JSON.stringify(card.data.character_book)).toContain('@@depth 4\\n@@@instruct_depth 4');
  });

  it('imports our own exported card into the same fields after passing through a foreign card', () => {
    const imported = cardToCharacterData(parseCard(fixture('risu-v3.json')), platform);
    const again = cardToCharacterData(
      parseCard(characterToCard(imported, { spec: 'v3', ...platform })),
      platform,
    );
    expect(again).toEqual(imported);
  });
});

describe('toV2Card', () => {
  it('relabels the card and keeps every field, as SillyTavern writes its chara chunk', () => {
    const v3 = fixture('risu-v3.json');
    const v2 = toV2Card(v3 as unknown as CharacterCardV3);
    expect(v2.spec).toBe('chara_card_v2');
    expect(v2.spec_version).toBe('2.0');
    expect(v2.data).toEqual(v3.data);
  });
});

describe('fidelity', () => {
  it('keeps every field of a V3 card, unknown ones and the root beside data included', () => {
    const source = fixture('risu-v3.json') as { spec: string; data: Record<string, unknown> };
    const card = {
      ...source,
      exported_by: 'some-tool',
      data: { ...source.data, x_custom: { keep: ['me'] }, tags: ['Mystery', 'mystery', 'Paris'] },
    };
    const fields = cardToCharacterData(parseCard(card), platform);
    expect(fields.tags).toEqual(['mystery', 'paris']);
    expect(fields.systemPrompt).toBe(source.data.system_prompt);
    expect(fields.postHistoryInstructions).toBe(source.data.post_history_instructions);
    const exported = characterToCard(fields, { spec: 'v3', ...platform });
    const { sweetsin: _ours, ...extensions } = exported.data.extensions;
    expect({ ...exported, data: { ...exported.data, extensions } }).toEqual(card);
  });

  it('exports the tags and greetings of the character once its owner changed them', () => {
    const fields = cardToCharacterData(
      parseCard({ name: 'Mira', tags: ['Space', 'OC'], alternate_greetings: ['a'] }),
      platform,
    );
    const edited = { ...fields, tags: ['space', 'pirates'] };
    expect(characterToCard(edited, { spec: 'v2', ...platform }).data.tags).toEqual([
      'space',
      'pirates',
    ]);
    expect(characterToCard(fields, { spec: 'v2', ...platform }).data.tags).toEqual(['Space', 'OC']);
  });

  it('dates a card made here by the character, and keeps an imported card its own dates', () => {
    const createdAt = new Date('2025-01-02T03:04:05Z');
    const updatedAt = new Date('2025-02-03T04:05:06Z');
    const made = characterToCard({ ...ours, createdAt, updatedAt }, { spec: 'v3', ...platform });
    expect(made.data).toMatchObject({
      creation_date: createdAt.getTime() / 1000,
      modification_date: updatedAt.getTime() / 1000,
    });
    const imported = cardToCharacterData(parseCard(fixture('risu-v3.json')), platform);
    const again = characterToCard(
      { ...imported, createdAt, updatedAt },
      { spec: 'v3', ...platform },
    );
    expect(again.data).toMatchObject({ creation_date: 1715500000, modification_date: 1718000000 });
  });
});

describe('NSFW tags', () => {
  it.each([
    ['NSFW'],
    ['nsfw'],
    ['Nsfw 🔞'],
    ['🔞'],
    ['Not Safe For Work'],
    ['18+'],
    ['R-18'],
    ['Adults only'],
    ['explicit'],
  ])('rates a card tagged %p nsfw', (tag) => {
    expect(hasNsfwTag(['Fantasy', tag])).toBe(true);
    const card = parseCard({ name: 'Mira', tags: ['Fantasy', tag] });
    expect(cardToCharacterData(card, platform).contentRating).toBe('nsfw');
  });

  it.each([['SFW'], ['adult'], ['nsfwish'], ['fantasy']])('leaves a card tagged %p sfw', (tag) => {
    expect(hasNsfwTag([tag])).toBe(false);
  });

  it('does not let our extension rate an NSFW-tagged card sfw', () => {
    const card = parseCard({
      spec: 'chara_card_v2',
      data: { name: 'Mira', tags: ['NSFW'], extensions: { sweetsin: { content_rating: 'sfw' } } },
    });
    expect(cardToCharacterData(card, platform).contentRating).toBe('nsfw');
  });
});
