import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { characterToCard } from './card-export.js';
import {
  CardError,
  cardToCharacterData,
  parseCard,
  type CharacterCardFields,
} from './character-card.js';
import {
  PNG_LIMITS,
  defaultAvatarPng,
  embedCardInPng,
  extractCardFromPng,
  readPngDimensions,
  readPngTextChunks,
} from './png-card.js';

// PNGs here are assembled by hand with a table-driven CRC-32 written from the PNG spec, so the
// reader is checked against an independent writer, not only against embedCardInPng.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
}

const tEXt = (keyword: string, text: string) =>
  chunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'));

/** A 1×1 white RGB PNG with the given extra chunks between IDAT and IEND. */
function handMadePng(...extra: Buffer[]): Buffer {
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 255, 255]))),
    ...extra,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

const fixture = (name: string): object =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

/** Chunks in file order, read independently of png-card.ts. */
function chunksOf(png: Buffer): { type: string; crcMatches: boolean }[] {
  const chunks = [];
  for (let offset = 8; offset < png.length; offset += 12 + png.readUInt32BE(offset)) {
    const end = offset + 8 + png.readUInt32BE(offset);
    chunks.push({
      type: png.toString('latin1', offset + 4, offset + 8),
      crcMatches: crc(png.subarray(offset + 4, end)) === png.readUInt32BE(end),
    });
  }
  return chunks;
}

const chunkTypes = (png: Buffer) => chunksOf(png).map((c) => c.type);
const allCrcsMatch = (png: Buffer) => chunksOf(png).every((c) => c.crcMatches);

const platform = { platformKey: 'sweetsin' };

const character: CharacterCardFields = {
  name: 'Léa',
  description: 'A cartographer who maps places that should not exist.',
  personality: 'curious, blunt',
  scenario: 'A lighthouse at the edge of the map.',
  greeting: '« Vous êtes perdu ? »',
  alternateGreetings: [],
  exampleDialogues: '',
  appearance: 'Ink-stained fingers.',
  speechPattern: 'Short sentences.',
  tags: ['maps'],
  structuredTags: ['mystery', 'adventure'],
  responseLength: 'medium',
  maxTokens: 2048,
  contentRating: 'sfw',
  originalLanguage: 'fr',
  highlights: [],
  characterBook: {
    name: 'Coast',
    extensions: {},
    entries: [
      {
        keys: ['lighthouse'],
        content: 'Old.',
        enabled: true,
        insertion_order: 100,
        use_regex: false,
        extensions: {},
      },
    ],
  },
  cardExtensions: { depth_prompt: { prompt: 'Stay curious.', depth: 4, role: 'system' } },
  systemPrompt: '',
  postHistoryInstructions: '',
  cardExtras: {},
};

describe('readPngTextChunks', () => {
  it('reads tEXt chunks of a hand-made PNG, latin1-decoded, in file order', () => {
    const png = handMadePng(tEXt('Software', 'café 1.0'), tEXt('Comment', 'a\0b'));
    expect(readPngTextChunks(png)).toEqual([
      { keyword: 'Software', text: 'café 1.0' },
      { keyword: 'Comment', text: 'a\0b' },
    ]);
  });

  it('ignores bytes after IEND', () => {
    const png = Buffer.concat([handMadePng(tEXt('Title', 'x')), Buffer.from('trailing junk')]);
    expect(readPngTextChunks(png)).toEqual([{ keyword: 'Title', text: 'x' }]);
  });

  it.each([
    [
      'a JPEG',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]),
      'not a PNG file',
    ],
    ['an empty file', Buffer.alloc(0), 'not a PNG file'],
    ['a file cut short', handMadePng().subarray(0, 40), 'PNG file is truncated'],
    ['a PNG without IEND', handMadePng().subarray(0, -12), 'PNG file is truncated'],
    [
      'a tEXt chunk without a keyword',
      handMadePng(chunk('tEXt', Buffer.from('\0text', 'latin1'))),
      'PNG tEXt chunk has no keyword',
    ],
  ])('rejects %s', (_case, png, message) => {
    expect(() => readPngTextChunks(png)).toThrow(new CardError(message));
  });

  it('rejects a chunk whose CRC does not match', () => {
    const png = handMadePng(tEXt('chara', base64Json(fixture('sillytavern-chub-v2.json'))));
    const textStart = png.indexOf('tEXt', 0, 'latin1');
    png[textStart + 4] ^= 0x01; // flip one bit of the keyword: "chara" becomes "bhara"
    expect(() => readPngTextChunks(png)).toThrow(new CardError('PNG chunk CRC mismatch'));
  });
});

describe('extractCardFromPng', () => {
  it('reads a SillyTavern/chub V2 card from a hand-made chara chunk', () => {
    const source = fixture('sillytavern-chub-v2.json') as { data: Record<string, unknown> };
    const card = extractCardFromPng(handMadePng(tEXt('chara', base64Json(source))));
    expect(card.spec).toBe('v2');
    expect(card.name).toBe('Captain Mira Voss');
    expect(card.character_book).toEqual(source.data.character_book);
    expect(card.extensions).toEqual(source.data.extensions);
  });

  it('prefers ccv3 over chara, whatever their order', () => {
    const v2 = tEXt('chara', base64Json(fixture('sillytavern-chub-v2.json')));
    const v3 = tEXt('ccv3', base64Json(fixture('risu-v3.json')));
    for (const png of [handMadePng(v2, v3), handMadePng(v3, v2)]) {
      expect(extractCardFromPng(png)).toMatchObject({ spec: 'v3', name: 'Élodie Marchand' });
    }
  });

  it('reads a V1 card from chara', () => {
    const png = handMadePng(tEXt('chara', base64Json({ name: 'Old Bot', first_mes: 'Hi' })));
    expect(extractCardFromPng(png)).toMatchObject({ spec: 'v1', name: 'Old Bot', first_mes: 'Hi' });
  });

  it.each([
    ['no card chunk', handMadePng(tEXt('Software', 'GIMP')), 'no character card in PNG'],
    [
      'a chunk that is not base64',
      handMadePng(tEXt('chara', '{"name":"x"}')),
      "PNG 'chara' chunk is not base64",
    ],
    [
      'base64 that is not JSON',
      handMadePng(tEXt('chara', Buffer.from('not json').toString('base64'))),
      'character card is not valid JSON',
    ],
    [
      'a card that breaks the spec',
      handMadePng(tEXt('ccv3', base64Json({ spec: 'chara_card_v3', data: { name: '' } }))),
      'data.name must be a non-empty string',
    ],
    [
      // Refused by the chunk's size, before its text is decoded.
      'a card over 1 MB',
      handMadePng(tEXt('chara', base64Json({ name: 'x', description: 'y'.repeat(1_100_000) }))),
      `PNG tEXt chunk is larger than ${PNG_LIMITS.textChunkBytes} bytes`,
    ],
  ])('rejects a PNG with %s', (_case, png, message) => {
    expect(() => extractCardFromPng(png)).toThrow(new CardError(message));
  });
});

describe('embedCardInPng', () => {
  it('embeds V2 as a chara chunk before IEND, keeping the other chunks', () => {
    const source = handMadePng(tEXt('Software', 'GIMP'));
    const png = embedCardInPng(source, characterToCard(character, { spec: 'v2', ...platform }));
    expect(chunkTypes(png)).toEqual(['IHDR', 'IDAT', 'tEXt', 'tEXt', 'IEND']);
    expect(allCrcsMatch(png)).toBe(true);
    expect(readPngTextChunks(png).map((c) => c.keyword)).toEqual(['Software', 'chara']);
    expect(cardToCharacterData(extractCardFromPng(png), platform)).toEqual(character);
  });

  it('embeds V3 as ccv3 plus a V2 chara fallback, as SillyTavern does', () => {
    const png = embedCardInPng(
      defaultAvatarPng(),
      characterToCard(character, { spec: 'v3', ...platform }),
    );
    const chunks = new Map(readPngTextChunks(png).map((c) => [c.keyword, c.text]));
    expect([...chunks.keys()]).toEqual(['chara', 'ccv3']);
    const fallback = JSON.parse(Buffer.from(chunks.get('chara')!, 'base64').toString());
    expect(fallback).toMatchObject({ spec: 'chara_card_v2', spec_version: '2.0' });
    // The same data, relabelled: a V2 reader ignores the V3 fields.
    expect(fallback.data).toEqual(
      JSON.parse(Buffer.from(chunks.get('ccv3')!, 'base64').toString()).data,
    );
    expect(parseCard(fallback).name).toBe('Léa');
    const card = extractCardFromPng(png);
    expect(card.spec).toBe('v3');
    expect(cardToCharacterData(card, platform)).toEqual(character);
  });

  it('replaces existing card chunks instead of adding more', () => {
    const old = handMadePng(
      tEXt('chara', base64Json(fixture('sillytavern-chub-v2.json'))),
      tEXt('CCV3', base64Json(fixture('risu-v3.json'))),
    );
    const png = embedCardInPng(old, characterToCard(character, { spec: 'v3', ...platform }));
    expect(readPngTextChunks(png).map((c) => c.keyword)).toEqual(['chara', 'ccv3']);
    expect(extractCardFromPng(png).name).toBe('Léa');
  });

  it('round-trips a hand-written V3 card with lorebook decorators and foreign extensions', () => {
    const source = fixture('risu-v3.json') as { data: Record<string, unknown> };
    const imported = cardToCharacterData(parseCard(source), platform);
    const png = embedCardInPng(
      handMadePng(),
      characterToCard(imported, { spec: 'v3', ...platform }),
    );
    const card = extractCardFromPng(png);
    expect(card.character_book).toEqual(source.data.character_book);
    expect(card.extensions).toMatchObject(source.data.extensions as object);
    expect(cardToCharacterData(card, platform)).toEqual(imported);
  });

  it('refuses to embed into something that is not a PNG', () => {
    expect(() =>
      embedCardInPng(
        Buffer.from('GIF89a'),
        characterToCard(character, { spec: 'v2', ...platform }),
      ),
    ).toThrow(new CardError('not a PNG file'));
  });
});

describe('defaultAvatarPng', () => {
  it('is a valid 64×64 RGB PNG of one colour', () => {
    const png = defaultAvatarPng();
    expect(chunkTypes(png)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(allCrcsMatch(png)).toBe(true);
    expect(readPngTextChunks(png)).toEqual([]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([64, 64, 8, 2]);
    const pixels = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    const row = Buffer.concat([Buffer.from([0]), ...Array(64).fill(pixels.subarray(1, 4))]);
    expect(pixels).toEqual(Buffer.concat(Array(64).fill(row)));
  });
});

describe('chunk limits', () => {
  /** `count` empty chunks of a private ancillary type, as in the reported 436,000-chunk file. */
  const emptyChunks = (count: number): Buffer =>
    Buffer.concat(Array(count).fill(chunk('ruBb', Buffer.alloc(0))));

  it('stops at the chunk cap without walking the rest of a 436,000-chunk file', () => {
    const hostile = handMadePng(emptyChunks(436_000));
    expect(hostile.length).toBeGreaterThan(5_000_000);
    // Past the cap the file is garbage: a walk that went on would report a CRC error or a
    // truncation instead of the cap, so the message proves where it stopped.
    const capped = Buffer.concat([
      handMadePng(emptyChunks(PNG_LIMITS.chunks)).subarray(0, -12),
      Buffer.alloc(64, 0xff),
    ]);
    for (const png of [hostile, capped]) {
      expect(() => extractCardFromPng(png)).toThrow(
        new CardError(`PNG file has more than ${PNG_LIMITS.chunks} chunks`),
      );
    }
    const started = performance.now();
    expect(() => readPngTextChunks(hostile)).toThrow(CardError);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('reads a file with as many chunks as the cap allows', () => {
    const card = base64Json({ name: 'Many' });
    // IHDR, IDAT, the card and IEND are four of them.
    const png = handMadePng(emptyChunks(PNG_LIMITS.chunks - 4), tEXt('chara', card));
    expect(extractCardFromPng(png).name).toBe('Many');
  });

  it('refuses an oversized text chunk from its length field, before its CRC or its end', () => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(PNG_LIMITS.textChunkBytes + 1, 0);
    head.write('zTXt', 4, 'latin1');
    // The declared length runs past the end of the file: only the length was looked at.
    const png = Buffer.concat([handMadePng().subarray(0, -12), head, Buffer.alloc(16)]);
    expect(() => readPngTextChunks(png)).toThrow(
      new CardError(`PNG zTXt chunk is larger than ${PNG_LIMITS.textChunkBytes} bytes`),
    );
  });

  it('reads the dimensions from IHDR alone', () => {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(100_000, 0);
    header.writeUInt32BE(90_000, 4);
    header.set([8, 6, 0, 0, 0], 8);
    const bomb = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', header)]);
    expect(readPngDimensions(bomb)).toEqual({ width: 100_000, height: 90_000 });
    expect(() => readPngDimensions(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toThrow(CardError);
  });
});
