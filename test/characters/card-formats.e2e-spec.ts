import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { llmEnv, openChat, send } from '../chat/chat-support.js';
import { whileHealthzPolled } from '../support/healthz.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

// Issue #20 items 2, 3, 5 and 6: card files as other tools write them (SillyTavern's default
// Seraphina card as it ships, a TavernAI V1 card, RisuAI V3 cards as PNG, CharX and a CharX
// after a JPEG, a WebP card), imported, chatted with, exported in every format and imported
// again. Containers are built here with the PNG, RIFF/TIFF and ZIP layouts written out (ZIPs
// with fflate), never with the app's own writers.

type Json = Record<string, unknown>;
type Card = { spec?: string; data: Json & { extensions: Json }; [field: string]: unknown };

const fixture = (path: string): Card => JSON.parse(readFileSync(path, 'utf8')) as Card;
const SERAPHINA = fixture('test/characters/fixtures/seraphina-v2.json');
const TAVERN_V1 = fixture('test/characters/fixtures/tavernai-v1.json');
const RISU_V3 = fixture('src/characters/lib/fixtures/risu-v3.json');
const CHARX_V3 = fixture('test/characters/fixtures/charx-v3.json');
const CHUB_V2 = fixture('src/characters/lib/fixtures/sillytavern-chub-v2.json');

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, sum]);
}

/** A PNG with tEXt chunks (keyword, base64 JSON) just before IEND, as SillyTavern writes. */
function pngCard(png: Buffer, chunks: Array<[string, unknown]>): Buffer {
  const text = chunks.map(([keyword, card]) =>
    pngChunk(
      'tEXt',
      Buffer.from(`${keyword}\0${Buffer.from(JSON.stringify(card)).toString('base64')}`, 'latin1'),
    ),
  );
  return Buffer.concat([png.subarray(0, png.length - 12), ...text, png.subarray(png.length - 12)]);
}

/** tEXt chunks of a PNG by keyword, read by walking the chunks. */
function pngTexts(png: Buffer): Record<string, string> {
  const found: Record<string, string> = {};
  for (let offset = 8; offset + 12 <= png.length; offset += 12 + png.readUInt32BE(offset)) {
    if (png.toString('latin1', offset + 4, offset + 8) !== 'tEXt') continue;
    const data = png.toString('latin1', offset + 8, offset + 8 + png.readUInt32BE(offset));
    const [keyword, text] = data.split('\0');
    found[keyword] = text;
  }
  return found;
}

/**
 * A WebP whose EXIF chunk holds a TIFF structure (little-endian) with IFD0 pointing at an Exif
 * IFD whose UserComment is the card, character code UNICODE (UTF-16 in the TIFF's byte order).
 */
function webpCard(webp: Buffer, card: unknown): Buffer {
  const comment = Buffer.concat([
    Buffer.from('UNICODE\0', 'latin1'),
    Buffer.from(JSON.stringify(card), 'utf16le'),
  ]);
  const tiff = Buffer.alloc(44 + comment.length);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0
  tiff.writeUInt16LE(1, 8);
  tiff.writeUInt16LE(0x8769, 10); // Exif IFD pointer, LONG
  tiff.writeUInt16LE(4, 12);
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt16LE(1, 26); // Exif IFD
  tiff.writeUInt16LE(0x9286, 28); // UserComment, UNDEFINED
  tiff.writeUInt16LE(7, 30);
  tiff.writeUInt32LE(comment.length, 32);
  tiff.writeUInt32LE(44, 36);
  comment.copy(tiff, 44);
  const chunks: Buffer[] = [];
  for (let offset = 12; offset + 8 <= webp.length;) {
    const type = webp.toString('latin1', offset, offset + 4);
    const size = webp.readUInt32LE(offset + 4);
    const end = offset + 8 + size + (size & 1);
    if (type !== 'EXIF') chunks.push(webp.subarray(offset, end));
    offset = end;
  }
  const head = Buffer.alloc(8);
  head.write('EXIF', 0, 'latin1');
  head.writeUInt32LE(tiff.length, 4);
  chunks.push(head, tiff, Buffer.alloc(tiff.length & 1));
  const body = Buffer.concat(chunks);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length + 4, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, body]);
}

const charx = (files: Record<string, Uint8Array>) => Buffer.from(zipSync(files));
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** Every field and type the V2 spec's TavernCardV2 and CharacterBook declare. */
function checkStrictV2(card: Card): string[] {
  const problems: string[] = [];
  const expectType = (value: unknown, type: string, where: string, optional = false) => {
    if (value === undefined && optional) return;
    const ok =
      type === 'string[]'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : type === 'object'
          ? typeof value === 'object' && value !== null && !Array.isArray(value)
          : typeof value === type;
    if (!ok) problems.push(`${where} is not ${type}`);
  };
  if (card.spec !== 'chara_card_v2') problems.push('spec');
  if (card.spec_version !== '2.0') problems.push('spec_version');
  const { data } = card;
  for (const field of [
    'name',
    'description',
    'personality',
    'scenario',
    'first_mes',
    'mes_example',
    'creator_notes',
    'system_prompt',
    'post_history_instructions',
    'creator',
    'character_version',
  ]) {
    expectType(data[field], 'string', `data.${field}`);
  }
  expectType(data.alternate_greetings, 'string[]', 'data.alternate_greetings');
  expectType(data.tags, 'string[]', 'data.tags');
  expectType(data.extensions, 'object', 'data.extensions');
  const book = data.character_book as Json | undefined;
  if (book !== undefined) {
    expectType(book.extensions, 'object', 'character_book.extensions');
    for (const [field, type] of [
      ['name', 'string'],
      ['description', 'string'],
      ['scan_depth', 'number'],
      ['token_budget', 'number'],
      ['recursive_scanning', 'boolean'],
    ]) {
      expectType(book[field], type, `character_book.${field}`, true);
    }
    if (!Array.isArray(book.entries)) problems.push('character_book.entries');
    for (const [i, entry] of ((book.entries as Json[]) ?? []).entries()) {
      const where = `character_book.entries[${i}]`;
      expectType(entry.keys, 'string[]', `${where}.keys`);
      expectType(entry.content, 'string', `${where}.content`);
      expectType(entry.extensions, 'object', `${where}.extensions`);
      expectType(entry.enabled, 'boolean', `${where}.enabled`);
      expectType(entry.insertion_order, 'number', `${where}.insertion_order`);
      for (const [field, type] of [
        ['case_sensitive', 'boolean'],
        ['name', 'string'],
        ['priority', 'number'],
        ['comment', 'string'],
        ['selective', 'boolean'],
        ['secondary_keys', 'string[]'],
        ['constant', 'boolean'],
      ]) {
        expectType(entry[field], type, `${where}.${field}`, true);
      }
      if (
        entry.position !== undefined &&
        !['before_char', 'after_char'].includes(entry.position as string)
      ) {
        problems.push(`${where}.position`);
      }
    }
  }
  return problems;
}

interface CardCase {
  label: string;
  source: Card;
  /** The card file, built from a picture made in beforeAll. */
  file: (pictures: Pictures) => Buffer;
  /** Size of the picture the avatar must show, or null when the card carries none. */
  picture: { width: number; height: number } | null;
  /** Words of the user message that trigger a lorebook entry, and a part of that entry. */
  lore: { message: string; content: string } | null;
  greeting: string;
  /** Picture assets of a CharX besides its icon: written back by a CharX export. */
  keptFiles?: string[];
}

interface Pictures {
  png: Buffer;
  jpeg: Buffer;
  webp: Buffer;
  icon: Buffer;
}

const CASES: CardCase[] = [
  {
    label: "Seraphina, SillyTavern's default V2 PNG card (its chara chunk as it ships)",
    source: SERAPHINA,
    file: ({ png }) => pngCard(png, [['chara', SERAPHINA]]),
    picture: { width: 40, height: 60 },
    lore: { message: 'What is Eldoria?', content: 'Eldoria is here, all of the woods.' },
    greeting: "Ah, you're awake at last.",
  },
  {
    label: 'a TavernAI V1 PNG card',
    source: TAVERN_V1,
    file: ({ png }) => pngCard(png, [['chara', TAVERN_V1]]),
    picture: { width: 40, height: 60 },
    lore: null,
    greeting: 'Aqua pouts at the tavern door.',
  },
  {
    label: 'a RisuAI V3 PNG card (ccv3 read before a differing chara)',
    source: RISU_V3,
    file: ({ png }) =>
      pngCard(png, [
        ['chara', { spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'Backfill' } }],
        ['ccv3', RISU_V3],
      ]),
    picture: { width: 40, height: 60 },
    lore: {
      message: 'Shall we visit the Exposition?',
      content: 'The Exposition Universelle draws millions',
    },
    greeting: 'You have ink on your cuff',
  },
  {
    label: 'a CharX archive with an embedded icon',
    source: CHARX_V3,
    file: ({ icon }) =>
      charx({
        'card.json': jsonBytes(CHARX_V3),
        'assets/icon/images/main.png': icon,
        'assets/emotion/images/angry.png': icon,
        'module.risum': new Uint8Array([1, 2, 3]),
      }),
    picture: { width: 24, height: 32 },
    lore: { message: 'Who built the LIGHTHOUSE?', content: 'LORE-LIGHT: smugglers built' },
    greeting: 'Mind the stairs.',
    keptFiles: ['assets/emotion/images/angry.png'],
  },
  {
    label: 'a CharX appended to a JPEG, as RisuAI writes it',
    source: { ...CHARX_V3, data: { ...CHARX_V3.data, assets: [] } },
    file: ({ jpeg }) =>
      Buffer.concat([
        jpeg,
        charx({ 'card.json': jsonBytes({ ...CHARX_V3, data: { ...CHARX_V3.data, assets: [] } }) }),
      ]),
    picture: { width: 30, height: 20 },
    lore: { message: 'Is the light still burning?', content: 'LORE-LIGHT: smugglers built' },
    greeting: 'Mind the stairs.',
  },
  {
    label: 'a WebP card (EXIF UserComment)',
    source: CHUB_V2,
    file: ({ webp }) => webpCard(webp, CHUB_V2),
    picture: { width: 50, height: 50 },
    lore: { message: 'Is the Meridian ready?', content: 'battered Class-C freighter' },
    greeting: String(CHUB_V2.data.first_mes).slice(0, 30),
  },
];

const EXPORTS = [
  ['json', 'v2'],
  ['json', 'v3'],
  ['png', 'v2'],
  ['png', 'v3'],
  ['charx', 'v3'],
] as const;

describe('card formats, fidelity and card art', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let pictures: Pictures;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({ env: { ...llmEnv(fake), RATE_LIMIT_SCALE: '0' } });
    const picture = (width: number, height: number, background: string) =>
      sharp({ create: { width, height, channels: 3, background } });
    pictures = {
      png: await picture(40, 60, '#c05070').png().toBuffer(),
      jpeg: await picture(30, 20, '#2050a0').jpeg().toBuffer(),
      webp: await picture(50, 50, '#208040')
        .webp()
        .withExif({ IFD0: { ImageDescription: 'placeholder' } })
        .toBuffer(),
      icon: await picture(24, 32, '#806020').png().toBuffer(),
    };
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const bytes = (request: ReturnType<TestApp['http']['get']>) =>
    request.buffer(true).parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });

  const importFile = (user: TestUser, file: Buffer, name: string) =>
    t.http.post('/api/characters/import').set(user.auth).attach('file', file, name);

  const exportCard = async (user: TestUser, id: string, format: string, spec: string) =>
    (
      await bytes(
        t.http.get(`/api/characters/${id}/export?format=${format}&spec=${spec}`).set(user.auth),
      ).expect(200)
    ).body as Buffer;

  const exportJson = async (user: TestUser, id: string, spec = 'v3'): Promise<Card> =>
    JSON.parse((await exportCard(user, id, 'json', spec)).toString('utf8')) as Card;

  /** The card a PNG export carries, as a reader that prefers ccv3 reads it. */
  const cardOfPng = (png: Buffer): Card => {
    const texts = pngTexts(png);
    return JSON.parse(Buffer.from(texts.ccv3 ?? texts.chara, 'base64').toString('utf8')) as Card;
  };

  const completions = (): RecordedRequest[] =>
    fake.requests.filter((request) => request.path.endsWith('/chat/completions'));

  describe.each(CASES)('$label', (example) => {
    let user: TestUser;
    let id: string;
    let first: Card;

    beforeAll(async () => {
      user = await createUser(t);
    });

    it('imports it with its picture as the avatar, re-encoded', async () => {
      const res = await importFile(user, example.file(pictures), 'card.bin').expect(201);
      id = res.body.id as string;
      expect(res.body).toMatchObject({ is_public: false, is_owner: true });
      expect(res.body.name).toBe(example.source.data?.name ?? example.source.name);
      if (!example.picture) return;
      expect(res.body.avatar_url).toMatch(/^\/api\/avatars\/[0-9a-f-]{36}\.(png|jpg|webp)$/);
      const served = await bytes(t.http.get(res.body.avatar_url)).expect(200);
      const avatar = served.body as Buffer;
      expect(await sharp(avatar).metadata()).toMatchObject(example.picture);
      // Nothing of the card file but its pixels: no card chunk, no EXIF, no archive.
      for (const marker of ['chara', 'ccv3', 'card.json', 'UNICODE']) {
        expect(avatar.includes(marker)).toBe(false);
      }
    });

    it('keeps every field of the card for export', async () => {
      first = await exportJson(user, id);
      const source = example.source.spec ? example.source.data : example.source;
      const { sweetsin: _ours, ...extensions } = first.data.extensions;
      for (const [field, value] of Object.entries(source)) {
        if (field === 'character_book') {
          expect(first.data.character_book).toMatchObject(value as Json);
        } else if (field === 'extensions') {
          expect(extensions).toEqual(value);
        } else if (example.source.spec) {
          expect([field, first.data[field]]).toEqual([field, value]);
        } else if (
          ['name', 'description', 'personality', 'scenario', 'first_mes', 'mes_example'].includes(
            field,
          )
        ) {
          expect([field, first.data[field]]).toEqual([field, value]);
        } else {
          // A V1 card's other root fields stay at the root.
          expect([field, first[field]]).toEqual([field, value]);
        }
      }
      // SillyTavern's root copies for V1 readers are not kept twice; its other root fields are.
      for (const [field, value] of Object.entries(example.source)) {
        if (
          example.source.spec &&
          ![
            'spec',
            'spec_version',
            'data',
            'name',
            'description',
            'personality',
            'scenario',
            'first_mes',
            'mes_example',
          ].includes(field)
        ) {
          expect([field, first[field]]).toEqual([field, value]);
        }
      }
      expect(checkStrictV2(await exportJson(user, id, 'v2'))).toEqual([]);
    });

    it('is chatted with: the greeting and a lorebook entry reach the prompt', async () => {
      const chatId = await openChat(t, user.auth, id);
      fake.script({ content: 'A reply.' });
      const res = await send(t, user.auth, chatId, {
        content: example.lore?.message ?? 'Hello there',
      });
      expect(res.status).toBe(200);
      const [request] = completions();
      const messages = request.body!.messages!.map((m) => ({
        role: m.role,
        content: String(m.content),
      }));
      expect(
        messages.some((m) => m.role === 'assistant' && m.content.includes(example.greeting)),
      ).toBe(true);
      if (example.lore) {
        expect(messages.some((m) => m.content.includes(example.lore!.content))).toBe(true);
      }
    });

    it.each(EXPORTS)(
      'exports as %s %s and imports again into the same card',
      async (format, spec) => {
        const file = await exportCard(user, id, format, spec);
        if (format === 'png') {
          const texts = pngTexts(file);
          expect(Object.keys(texts).sort()).toEqual(spec === 'v3' ? ['ccv3', 'chara'] : ['chara']);
          expect(cardOfPng(file).spec).toBe(spec === 'v3' ? 'chara_card_v3' : 'chara_card_v2');
          // Written into the character's own picture, not a placeholder.
          if (example.picture) expect(await sharp(file).metadata()).toMatchObject(example.picture);
        }
        let expected = first;
        if (format === 'charx') {
          const files = unzipSync(new Uint8Array(file));
          const card = JSON.parse(new TextDecoder().decode(files['card.json'])) as Card;
          expect(card.spec).toBe('chara_card_v3');
          const icons = Object.keys(files).filter((name) => name.startsWith('assets/icon/'));
          expect(icons).toHaveLength(example.picture ? 1 : 0);
          if (example.picture) {
            expect(await sharp(Buffer.from(files[icons[0]])).metadata()).toMatchObject(
              example.picture,
            );
          }
          // The archive names no file it does not hold (spec V3: embeded:// is a path in it).
          const held = (uri: string) =>
            !uri.startsWith('embeded://') || uri.slice('embeded://'.length) in files;
          const named = (card.data.assets as Array<{ uri: string }> | undefined) ?? [];
          expect(named.map((asset) => asset.uri).filter((uri) => !held(uri))).toEqual([]);
          for (const path of example.keptFiles ?? []) {
            // Re-encoded like an avatar: a clean picture of the same size.
            expect(await sharp(Buffer.from(files[path])).metadata()).toMatchObject(
              example.picture!,
            );
          }
          // The picture files a CharX came with are written back (so a CharX comes back
          // equal); embedded entries of files the character never had (a PNG or JSON card's
          // list) are left out of the archive, and so of the card imported from it.
          const assets = first.data.assets as Array<{ uri: string }> | undefined;
          if (assets) {
            expected = {
              ...first,
              data: { ...first.data, assets: assets.filter((asset) => held(asset.uri)) },
            };
          }
        }
        const again = await importFile(user, file, `again.${format}`).expect(201);
        if (example.picture && format !== 'json') {
          const served = await bytes(t.http.get(again.body.avatar_url)).expect(200);
          expect(await sharp(served.body as Buffer).metadata()).toMatchObject(example.picture);
        }
        expect(await exportJson(user, again.body.id as string)).toEqual(expected);
      },
    );
  });

  describe('refusals', () => {
    let user: TestUser;

    beforeAll(async () => {
      user = await createUser(t);
    });

    it('refuses a CharX zip bomb quickly while healthz answers', async () => {
      // card.json declares 1,000 bytes and inflates to 100 MB: the inflater stops past 1,000.
      const bomb = Buffer.alloc(100 * 1024 * 1024, 0x20);
      bomb.write(JSON.stringify({ spec: 'chara_card_v3', data: { name: 'Boom' } }));
      const compressed = deflateRawSync(bomb, { level: 9 });
      const name = Buffer.from('card.json');
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(8, 8);
      local.writeUInt32LE(compressed.length, 18);
      local.writeUInt32LE(1000, 22);
      local.writeUInt16LE(name.length, 26);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(8, 10);
      central.writeUInt32LE(compressed.length, 20);
      central.writeUInt32LE(1000, 24);
      central.writeUInt16LE(name.length, 28);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(1, 8);
      end.writeUInt16LE(1, 10);
      end.writeUInt32LE(central.length + name.length, 12);
      end.writeUInt32LE(local.length + name.length + compressed.length, 16);
      const file = Buffer.concat([local, name, compressed, central, name, end]);
      expect(file.length).toBeLessThan(1024 * 1024);
      const started = performance.now();
      const { result: res, answersMs } = await whileHealthzPolled(
        t,
        importFile(user, file, 'bomb.charx').then((r) => r),
      );
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(
        'Invalid character card: card.json in the archive inflates to more than the 1000 bytes it declares',
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(Math.max(...answersMs)).toBeLessThan(1000);
    });

    it('refuses archives declaring too much or holding too many entries', async () => {
      const many = charx(
        Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`a/${i}`, new Uint8Array(1)])),
      );
      const res = await importFile(user, many, 'many.charx').expect(400);
      expect(res.body.message).toMatch(/1001 entries; at most 1000 are accepted/);
    });

    it('answers 400 naming the accepted formats for a file that is none of them', async () => {
      const gif = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
      const res = await importFile(user, gif, 'card.gif').expect(400);
      expect(res.body.message).toBe(
        'Invalid character card: unrecognized file; send a PNG card (chara or ccv3 chunk), a ' +
          'WebP card (EXIF UserComment), a CharX archive (.charx, or appended to a JPEG) or a ' +
          'JSON card (V1, V2 or V3)',
      );
      const jpeg = await importFile(user, pictures.jpeg, 'photo.jpg').expect(400);
      expect(jpeg.body.message).toMatch(
        /a JPEG carries no card unless a CharX archive is appended/,
      );
    });
  });

  describe('ratings and lorebooks', () => {
    let user: TestUser;

    beforeAll(async () => {
      user = await createUser(t);
    });

    it.each([['NSFW'], ['nsfw 🔞'], ['Not Safe For Work'], ['18+']])(
      'imports a card tagged %p as nsfw, the tag kept as written',
      async (tag) => {
        const res = await t.http
          .post('/api/characters/import')
          .set(user.auth)
          .send({
            spec: 'chara_card_v2',
            spec_version: '2.0',
            data: { name: 'Rated', tags: ['Romance', tag] },
          })
          .expect(201);
        expect(res.body.content_rating).toBe('nsfw');
        expect((await exportJson(user, res.body.id as string, 'v2')).data.tags).toEqual([
          'Romance',
          tag,
        ]);
      },
    );

    it('converts a SillyTavern world info file sent as a lorebook, on create and on edit', async () => {
      const worldInfo = {
        entries: {
          '0': {
            uid: 0,
            key: ['harbour'],
            keysecondary: [],
            content: 'The harbour is closed.',
            order: 10,
            position: 0,
            disable: false,
          },
        },
      };
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name: 'Harbourmaster', character_book: worldInfo })
        .expect(201);
      expect(created.body.character_book).toMatchObject({
        extensions: {},
        entries: [
          {
            id: 0,
            keys: ['harbour'],
            content: 'The harbour is closed.',
            insertion_order: 10,
            enabled: true,
            position: 'before_char',
            extensions: {},
          },
        ],
      });
      const edited = await t.http
        .put(`/api/characters/${created.body.id as string}`)
        .set(user.auth)
        .send({ character_book: { ...worldInfo, name: 'Docks' } })
        .expect(200);
      expect(edited.body.character_book).toMatchObject({
        name: 'Docks',
        entries: [{ keys: ['harbour'] }],
      });
    });

    it('refuses a broken lorebook with a 400 naming the field on create, edit and import alike', async () => {
      const broken = { entries: [{ keys: 'harbour', content: 'x' }] };
      const message = 'character_book.entries[0].keys must be an array of strings';
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name: 'Broken', character_book: broken })
        .expect(400);
      expect(String(created.body.message)).toContain(message);
      const draft = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name: 'Fine' })
        .expect(201);
      const edited = await t.http
        .put(`/api/characters/${draft.body.id as string}`)
        .set(user.auth)
        .send({ character_book: broken })
        .expect(400);
      expect(String(edited.body.message)).toContain(message);
      const imported = await t.http
        .post('/api/characters/import')
        .set(user.auth)
        .send({ spec: 'chara_card_v2', data: { name: 'Broken', character_book: broken } })
        .expect(400);
      expect(imported.body.message).toBe(`Invalid character card: data.${message}`);
      const [{ count }] = await t.dataSource.query<{ count: string }[]>(
        `SELECT count(*) FROM character WHERE owner_id = $1 AND name = 'Broken'`,
        [user.id],
      );
      expect(count).toBe('0');
    });
  });

  it('logged nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
