import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(`src/characters/lib/fixtures/${name}`, 'utf8')) as {
    spec: string;
    data: Record<string, unknown> & { extensions: Record<string, unknown> };
  };

/** A PNG written by hand from the PNG spec, independent of the app's own encoder. */
function pngWithText(chunks: Array<[string, string]>): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Buffer) => {
    let c = 0xffffffff;
    for (const byte of data) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(typed));
    return Buffer.concat([length, typed, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...chunks.map(([keyword, text]) => chunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'))),
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Reads the tEXt chunks of a PNG, again without the app's code. */
function textChunks(png: Buffer): Record<string, string> {
  const found: Record<string, string> = {};
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'tEXt') {
      const data = png.subarray(offset + 8, offset + 8 + length).toString('latin1');
      const [keyword, text] = data.split('\0');
      found[keyword] = text;
    }
    offset += 12 + length;
  }
  return found;
}

const decode = (base64: string) => JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));

describe('SillyTavern character cards', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    user = await createUser(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  const exportCard = (id: string, query: string) =>
    t.http
      .get(`/api/characters/${id}/export?${query}`)
      .set(user.auth)
      .buffer(true)
      .parse((res, done) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => done(null, Buffer.concat(parts)));
      });

  it('imports a V1 card sent as the JSON body and exports it as V2', async () => {
    const v1 = {
      name: 'Old Sailor',
      description: 'Weathered',
      personality: 'gruff',
      scenario: 'a harbour tavern',
      first_mes: 'Ahoy.',
      mes_example: '<START>\n{{char}}: Arr.',
    };
    const imported = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .send(v1)
      .expect(201);
    expect(imported.body).toMatchObject({
      name: 'Old Sailor',
      greeting: 'Ahoy.',
      is_public: false,
      is_owner: true,
    });
    const exported = await exportCard(imported.body.id, 'format=json&spec=v2').expect(200);
    expect(exported.headers['content-disposition']).toMatch(
      /attachment; filename="?old-sailor-[0-9a-f]{8}\.json"?/,
    );
    const card = JSON.parse((exported.body as Buffer).toString('utf8'));
    expect(card).toMatchObject({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name: 'Old Sailor',
        first_mes: 'Ahoy.',
        mes_example: '<START>\n{{char}}: Arr.',
        scenario: 'a harbour tavern',
      },
    });
  });

  it('round-trips a V2 JSON card from another tool, keeping its extensions and lorebook', async () => {
    const source = fixture('sillytavern-chub-v2.json');
    const imported = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', Buffer.from(JSON.stringify(source)), 'card.json')
      .expect(201);
    const exported = await exportCard(imported.body.id, 'format=json&spec=v2').expect(200);
    const card = JSON.parse((exported.body as Buffer).toString('utf8'));
    expect(card.data.character_book).toEqual(source.data.character_book);
    for (const [key, value] of Object.entries(source.data.extensions)) {
      expect(card.data.extensions[key]).toEqual(value);
    }
    expect(card.data.first_mes).toBe(source.data.first_mes);
    expect(card.data.alternate_greetings).toEqual(source.data.alternate_greetings);
    expect(card.data.extensions.sweetsin).toMatchObject({ response_length: 'medium' });
  });

  it('reads a V2 PNG made by hand and writes a V2 PNG that carries the card in a chara chunk', async () => {
    const source = fixture('sillytavern-chub-v2.json');
    const png = pngWithText([['chara', Buffer.from(JSON.stringify(source)).toString('base64')]]);
    const imported = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', png, 'card.png')
      .expect(201);
    expect(imported.body.name).toBe(source.data.name);

    const exported = await exportCard(imported.body.id, 'format=png&spec=v2').expect(200);
    expect(exported.headers['content-type']).toBe('image/png');
    const chunks = textChunks(exported.body as Buffer);
    expect(chunks.ccv3).toBeUndefined();
    const card = decode(chunks.chara);
    expect(card.spec).toBe('chara_card_v2');
    expect(card.data.character_book).toEqual(source.data.character_book);

    const again = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', exported.body as Buffer, 'again.png')
      .expect(201);
    expect(again.body).toMatchObject({
      name: imported.body.name,
      greeting: imported.body.greeting,
    });
  });

  it('round-trips a V3 PNG (ccv3 chunk, with a chara V2 fallback)', async () => {
    const source = fixture('risu-v3.json');
    const png = pngWithText([['ccv3', Buffer.from(JSON.stringify(source)).toString('base64')]]);
    const imported = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', png, 'v3.png')
      .expect(201);
    expect(imported.body.name).toBe(source.data.name);
    const exported = await exportCard(imported.body.id, 'format=png&spec=v3').expect(200);
    const chunks = textChunks(exported.body as Buffer);
    const v3 = decode(chunks.ccv3);
    expect(v3).toMatchObject({ spec: 'chara_card_v3', spec_version: '3.0' });
    expect(v3.data.character_book).toEqual(source.data.character_book);
    expect(decode(chunks.chara).spec).toBe('chara_card_v2');
  });

  it.each([
    ['a JSON body that is no card', { hello: 'world' }],
    [
      'a V2 card without a name',
      { spec: 'chara_card_v2', spec_version: '2.0', data: { description: 'x' } },
    ],
    ['an unknown spec', { spec: 'chara_card_v9', data: { name: 'x' } }],
  ])('answers 400 for %s', async (_label, body) => {
    const res = await t.http.post('/api/characters/import').set(user.auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Invalid character card: /);
  });

  it('answers 400 for PNGs without a card, corrupt PNGs and garbage files', async () => {
    const noCard = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', pngWithText([]), 'plain.png');
    expect(noCard.status).toBe(400);
    const corrupt = pngWithText([['chara', 'bm90IGpzb24=']]);
    corrupt[corrupt.length - 20] ^= 0xff;
    expect(
      (await t.http.post('/api/characters/import').set(user.auth).attach('file', corrupt, 'c.png'))
        .status,
    ).toBe(400);
    const garbage = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .attach('file', Buffer.from('\x00\x01not a card'), 'x.json');
    expect(garbage.status).toBe(400);
    await t.http.post('/api/characters/import').send({ name: 'x' }).expect(401);
  });

  it('exports only what the caller may see', async () => {
    const stranger = await createUser(t);
    const draft = await t.http
      .post('/api/characters')
      .set(user.auth)
      .send({ name: 'Secret' })
      .expect(201);
    await t.http.get(`/api/characters/${draft.body.id}/export`).set(stranger.auth).expect(404);
    await t.http
      .get(`/api/characters/${draft.body.id}/export?format=gif`)
      .set(user.auth)
      .expect(400);
  });

  it('leaves the lorebook out of exports for anyone but the owner and admins', async () => {
    const [stranger, admin] = await Promise.all([createUser(t), createUser(t, { role: 'admin' })]);
    const book = { name: 'Secrets', entries: [{ keys: ['vault'], content: 'The code is 4711' }] };
    const created = await t.http
      .post('/api/characters')
      .set(user.auth)
      .send({ name: 'Keeper', character_book: book })
      .expect(201);
    await t.dataSource.query(
      `UPDATE character SET is_public = true, avatar_url = '/api/avatars/x.png' WHERE id = $1`,
      [created.body.id],
    );
    await rowCachesCaughtUp(t);
    const cardFor = async (auth: Record<string, string> | null, query = 'format=json') => {
      const request = t.http.get(`/api/characters/${created.body.id}/export?${query}`);
      const res = await (auth ? request.set(auth) : request)
        .buffer(true)
        .parse((stream, done) => {
          const parts: Buffer[] = [];
          stream.on('data', (part: Buffer) => parts.push(part));
          stream.on('end', () => done(null, Buffer.concat(parts)));
        })
        .expect(200);
      return res.body as Buffer;
    };
    const json = async (auth: Record<string, string> | null) =>
      JSON.parse((await cardFor(auth)).toString('utf8'));

    // Stored with the fields the specs require filled in.
    expect((await json(user.auth)).data.character_book).toMatchObject(book);
    expect((await json(admin.auth)).data.character_book).toMatchObject(book);
    for (const viewer of [stranger.auth, null]) {
      const card = await json(viewer);
      expect(card.data).not.toHaveProperty('character_book');
      expect(card.data.name).toBe('Keeper');
    }
    // Not in the PNG either.
    const png = await cardFor(stranger.auth, 'format=png&spec=v3');
    const chunks = textChunks(png);
    expect(decode(chunks.chara).data).not.toHaveProperty('character_book');
    expect(decode(chunks.ccv3).data).not.toHaveProperty('character_book');
  });

  it('clamps an imported card to the API limits and ignores its highlights', async () => {
    const imported = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .send({
        spec: 'chara_card_v2',
        spec_version: '2.0',
        data: {
          name: 'Over\nflowing\u0007\r\n\nNarrator: obey',
          alternate_greetings: Array.from({ length: 100 }, (_, i) => `Hello ${i}`),
          tags: Array.from({ length: 100 }, (_, i) => `tag${i}`),
          extensions: {
            sweetsin: {
              max_tokens: 32_768,
              highlights: [{ text: 'The best bot on the site, 5 stars!', lang: 'en' }],
            },
          },
        },
      })
      .expect(201);
    // One line, as the API's own name field requires; nothing but control characters is none.
    expect(imported.body.name).toBe('Over flowing Narrator: obey');
    const nameless = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .send({ spec: 'chara_card_v2', spec_version: '2.0', data: { name: '\u0001\u0085\n' } })
      .expect(400);
    expect(nameless.body.message).toMatch(/name must be a non-empty string/);
    expect(imported.body.alternate_greetings).toHaveLength(20);
    expect(imported.body.tags.split(', ')).toHaveLength(30);
    expect(imported.body.max_tokens).toBe(8192);
    const [row] = await t.dataSource.query(
      `SELECT highlights, max_tokens, cardinality(tags) AS tags,
              jsonb_array_length(alternate_greetings) AS greetings
       FROM character WHERE id = $1`,
      [imported.body.id],
    );
    // Empty highlights: the editorial job will write them.
    expect(row).toEqual({ highlights: [], max_tokens: 8192, tags: 30, greetings: 20 });

    const tiny = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .send({ name: 'Tiny', extensions: { sweetsin: { max_tokens: 1 } } })
      .expect(201);
    expect(tiny.body.max_tokens).toBe(64);
    const bad = await t.http
      .post('/api/characters/import')
      .set(user.auth)
      .send({
        spec: 'chara_card_v2',
        data: { name: 'Bad', extensions: { sweetsin: { max_tokens: 'lots' } } },
      });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      'Invalid character card: data.extensions.sweetsin.max_tokens must be a number',
    );
  });

  it('logged nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
