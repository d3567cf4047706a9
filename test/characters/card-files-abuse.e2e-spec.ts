import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, createDeflate } from 'node:zlib';
import sharp from 'sharp';
import { whileHealthzPolled } from '../support/healthz.js';
import { stalledDownloads } from '../support/stalled-downloads.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';
import { LegacyAvatarSweep1763812022000 } from '../../migrations/1763812022000-LegacyAvatarSweep.js';
import {
  AVATAR_SWEEP_BATCH,
  AVATAR_SWEEP_JOB,
  AVATAR_SWEEP_KEY,
} from '../../src/characters/avatar-sweep.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';

// Issue #24 item 3 (hostile PNGs, card import/export cost) and item 14 (imported text).
// Hostile files are made here; chunks are read back without the app's own PNG code.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HEALTHZ_BOUND_MS = 1000;
const EXPORT_CONCURRENCY = 2;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, sum]);
}

/** Inserts chunks right after IHDR of a PNG (the signature and IHDR are its first 33 bytes). */
const withChunks = (png: Buffer, ...extra: Buffer[]): Buffer =>
  Buffer.concat([png.subarray(0, 33), ...extra, png.subarray(33)]);

const cardChunk = (card: object) =>
  chunk('tEXt', Buffer.from(`chara\0${Buffer.from(JSON.stringify(card)).toString('base64')}`));

/** Every chunk type in file order, and how many bytes follow IEND. */
function chunkList(png: Buffer): { types: string[]; trailing: number } {
  expect(png.subarray(0, 8).equals(SIGNATURE)).toBe(true);
  const types: string[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    types.push(type);
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return { types, trailing: png.length - offset };
}

/** `count` empty chunks of a private ancillary type: the reported 5 MB, 436,000-chunk file. */
const emptyChunks = (count: number) =>
  Buffer.concat(Array<Buffer>(count).fill(chunk('ruBb', Buffer.alloc(0))));

/** A PNG whose IHDR declares width × height; the pixel data is a token few bytes. */
function declaredPng(width: number, height: number, ...extra: Buffer[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A real, valid PNG of width × height black pixels (1-bit grey), its rows deflated as they
 * are written: a decompression bomb whose file is small but whose pixels are not.
 */
async function hugePng(width: number, height: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (part: Buffer) => parts.push(part));
  // Each row: filter byte 0, then width bits.
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  for (let y = 0; y < height; y++) {
    if (!deflate.write(row)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.concat(parts)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 6000×4500 of one colour: 27 MP in a JPEG the size limit cannot catch. */
const jpegBomb = () =>
  sharp({ create: { width: 6000, height: 4500, channels: 3, background: '#000' } })
    .jpeg({ quality: 10 })
    .toBuffer();

const AVATAR_UPLOAD_BYTES = 5 * 1024 * 1024;
/** The app runs in this process: its resident memory may grow this much while refusing. */
const RSS_BOUND_BYTES = 48 * 1024 * 1024;

/** Runs `work`, sampling the process's resident memory every few ms: the peak above the start. */
async function withRssSampled<T>(work: Promise<T>): Promise<{ result: T; peakGrowth: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
  try {
    const result = await work;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakGrowth: peak - start };
  } finally {
    clearInterval(timer);
  }
}

/** C0/C1 controls (but tab, line feed, carriage return) and bidi overrides. */
const FORBIDDEN = /(?![\t\n\r])[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

describe('card files and avatars under hostile input', () => {
  let t: TestApp;
  let owner: TestUser;
  let plainPng: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ env: { CARD_EXPORT_CONCURRENCY: String(EXPORT_CONCURRENCY) } });
    owner = await createUser(t);
    plainPng = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#b07a8c' },
    })
      .png()
      .toBuffer();
  });

  afterAll(async () => {
    await t?.close();
  });

  const asBuffer = (request: ReturnType<TestApp['http']['get']>) =>
    request.buffer(true).parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });

  const draft = async (user: TestUser, name: string): Promise<string> =>
    (await t.http.post('/api/characters').set(user.auth).send({ name }).expect(201)).body.id;

  const uploadAvatar = (user: TestUser, id: string, file: Buffer, name = 'a.png') =>
    t.http.post(`/api/characters/${id}/avatar`).set(user.auth).attach('file', file, name);

  const storedFile = (url: string) =>
    readFileSync(join(t.config.storage.avatarDir, url.slice('/api/avatars/'.length)));

  describe('avatars are re-encoded once, at upload', () => {
    it('serves a card PNG uploaded as an avatar without any text chunk, EXIF or trailing data', async () => {
      const big = await sharp({
        create: { width: 2400, height: 1200, channels: 3, background: '#336699' },
      })
        .png()
        .toBuffer();
      const hostile = Buffer.concat([
        withChunks(
          big,
          cardChunk({ name: 'Secret card', description: 'hidden definition' }),
          chunk('zTXt', Buffer.from('Comment\0\0x')),
          chunk('iTXt', Buffer.from('ccv3\0\0\0\0\0secret')),
          chunk('eXIf', Buffer.from('MM\0*\0\0\0\x08GPS 52.5N 13.4E', 'latin1')),
        ),
        Buffer.from('trailing data after IEND'),
      ]);
      const id = await draft(owner, 'Card As Avatar');
      const res = await uploadAvatar(owner, id, hostile).expect(200);
      const served = await asBuffer(t.http.get(res.body.avatar_url)).expect(200);
      expect(served.headers['cross-origin-resource-policy']).toBe('cross-origin');
      const png = served.body as Buffer;
      const { types, trailing } = chunkList(png);
      expect(types).not.toEqual(expect.arrayContaining(['tEXt']));
      for (const type of ['tEXt', 'zTXt', 'iTXt', 'eXIf']) expect(types).not.toContain(type);
      expect(trailing).toBe(0);
      expect(png.includes('chara')).toBe(false);
      expect(png.includes('GPS')).toBe(false);
      // Shrunk to fit 1024×1024, aspect kept.
      expect(await sharp(png).metadata()).toMatchObject({ width: 1024, height: 512 });
    });

    it('strips EXIF (GPS included) from a JPEG', async () => {
      const jpeg = await sharp({
        create: { width: 80, height: 60, channels: 3, background: '#224422' },
      })
        .jpeg()
        .withExif({ IFD0: { ImageDescription: 'home-at-52.52N-13.40E', Artist: 'Someone' } })
        .toBuffer();
      expect(jpeg.includes('home-at-52.52N')).toBe(true);
      const id = await draft(owner, 'Photo');
      const res = await uploadAvatar(owner, id, jpeg, 'p.jpg').expect(200);
      expect(res.body.avatar_url).toMatch(/\.jpg$/);
      const stored = storedFile(res.body.avatar_url);
      expect(stored.includes('home-at-52.52N')).toBe(false);
      expect((await sharp(stored).metadata()).exif).toBeUndefined();
    });

    it('stores a 436,000-chunk PNG as a clean file of a few chunks, which exports read cheaply', async () => {
      const hostile = withChunks(plainPng, emptyChunks(436_000));
      expect(hostile.length).toBeGreaterThan(5_000_000);
      const id = await draft(owner, 'Many Chunks');
      const { result: res, answersMs } = await whileHealthzPolled(
        t,
        uploadAvatar(owner, id, hostile).then((r) => r),
      );
      expect(res.status).toBe(200);
      expect(Math.max(...answersMs)).toBeLessThan(HEALTHZ_BOUND_MS);
      const stored = chunkList(storedFile(res.body.avatar_url));
      expect(stored.types.length).toBeLessThan(10);
      expect(stored.types).not.toContain('ruBb');

      const exported = await asBuffer(
        t.http.get(`/api/characters/${id}/export?format=png&spec=v3`).set(owner.auth),
      ).expect(200);
      const out = chunkList(exported.body as Buffer);
      // The stored image's chunks and the two card chunks, nothing else.
      expect(out.types.length).toBe(stored.types.length + 2);
      expect(out.types.filter((type) => type === 'tEXt')).toHaveLength(2);
    });

    it.each([
      ['a PNG declaring 100000×100000 pixels', declaredPng(100_000, 100_000), /100000×100000/],
      ['a PNG declaring 6000×5000 pixels', declaredPng(6000, 5000), /6000×5000/],
      ['a PNG cut inside IHDR', declaredPng(64, 64).subarray(0, 20), /IHDR/],
    ])('refuses %s with a 400 before decoding', async (_label, file, message) => {
      const id = await draft(owner, 'Bomb');
      const started = performance.now();
      const res = await uploadAvatar(owner, id, file);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
      expect(performance.now() - started).toBeLessThan(HEALTHZ_BOUND_MS);
    });

    it('refuses a JPEG over the pixel limit from its header (a decompression bomb)', async () => {
      // 6000×4500 of one colour compresses to a small file: the size limit cannot catch it.
      const bomb = await sharp({
        create: { width: 6000, height: 4500, channels: 3, background: '#000' },
      })
        .jpeg({ quality: 10 })
        .toBuffer();
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const id = await draft(owner, 'Jpeg Bomb');
      const res = await uploadAvatar(owner, id, bomb, 'b.jpg');
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/more than 25,000,000 pixels/);
    });

    it.each([
      ['a real 30,000 × 30,000 PNG (110 KB of deflate, 900 MP)', 'png'],
      ['a JPEG decompression bomb (6000 × 4500 in a few KB)', 'jpg'],
    ] as const)(
      'refuses %s quickly, within a memory bound (as an avatar, and a PNG as card art)',
      async (_label, kind) => {
        const bomb = kind === 'png' ? await hugePng(30_000, 30_000) : await jpegBomb();
        expect(bomb.length).toBeLessThan(AVATAR_UPLOAD_BYTES);
        const id = await draft(owner, 'Memory Bomb');
        const sends = [() => uploadAvatar(owner, id, bomb, `b.${kind}`)];
        if (kind === 'png') {
          const card = withChunks(bomb, cardChunk({ name: 'Bomb Card' }));
          sends.push(() =>
            t.http.post('/api/characters/import').set(owner.auth).attach('file', card, 'c.png'),
          );
        }
        for (const send of sends) {
          const started = performance.now();
          const { result: res, peakGrowth } = await withRssSampled(send());
          expect(res.status).toBe(400);
          expect(res.body.message).toMatch(/30000×30000|more than 25,000,000 pixels/);
          expect(performance.now() - started).toBeLessThan(HEALTHZ_BOUND_MS);
          // Decoding either would take 900 MB (or 81 MB): a refusal from the header takes none.
          expect(peakGrowth).toBeLessThan(RSS_BOUND_BYTES);
        }
      },
    );

    it('serves an avatar file stored before re-encoding clean: re-encoded in place on its first request', async () => {
      const old = Buffer.concat([
        withChunks(
          plainPng,
          emptyChunks(1000),
          cardChunk({ name: 'Legacy', description: 'hidden definition' }),
          chunk(
            'tEXt',
            Buffer.from(`ccv3\0${Buffer.from('{"spec":"chara_card_v3"}').toString('base64')}`),
          ),
        ),
        Buffer.from('trailing data after IEND'),
      ]);
      const name = '00000000-0000-4000-8000-000000000001.png';
      mkdirSync(t.config.storage.avatarDir, { recursive: true });
      writeFileSync(join(t.config.storage.avatarDir, name), old);
      for (let i = 0; i < 2; i++) {
        const served = await asBuffer(t.http.get(`/api/avatars/${name}`)).expect(200);
        const png = served.body as Buffer;
        const { types, trailing } = chunkList(png);
        expect(types).not.toContain('tEXt');
        expect(types).not.toContain('ruBb');
        expect(trailing).toBe(0);
        expect(png.includes('chara')).toBe(false);
        expect(png.includes('ccv3')).toBe(false);
        expect(await sharp(png).metadata()).toMatchObject({ width: 64, height: 48 });
        // The file itself was replaced, under the same name: the URL stays valid.
        expect(storedFile(`/api/avatars/${name}`).equals(png)).toBe(true);
        expect(served.headers['cross-origin-resource-policy']).toBe('cross-origin');
      }
      // CORP is the avatars' alone; other routes keep helmet's same-origin.
      const other = await t.http.get('/api/healthz').expect(200);
      expect(other.headers['cross-origin-resource-policy']).toBe('same-origin');
    });

    it('does not serve a file stored before re-encoding that cannot be re-encoded', async () => {
      const name = '00000000-0000-4000-8000-000000000003.png';
      mkdirSync(t.config.storage.avatarDir, { recursive: true });
      const bomb = declaredPng(100_000, 100_000, cardChunk({ name: 'Legacy Bomb' }));
      writeFileSync(join(t.config.storage.avatarDir, name), bomb);
      const res = await t.http.get(`/api/avatars/${name}`).expect(404);
      expect(res.body).toMatchObject({ status_code: 404, message: 'Avatar not found' });
      expect(JSON.stringify(res.body)).not.toContain('Legacy Bomb');
      // Left on disk as it was (nothing is deleted), and still not served.
      expect(storedFile(`/api/avatars/${name}`).equals(bomb)).toBe(true);
      await t.http.get(`/api/avatars/${name}`).expect(404);
    });

    it('the one-time sweep re-encodes every file stored before re-encoding, in batches, and only those', async () => {
      const dir = t.config.storage.avatarDir;
      mkdirSync(dir, { recursive: true });
      const queue = t.app.get(JobQueue);
      const legacyPng = withChunks(plainPng, cardChunk({ name: 'Swept', description: 'secret' }));
      const legacyJpeg = await sharp({
        create: { width: 40, height: 30, channels: 3, background: '#553311' },
      })
        .jpeg()
        .withExif({ IFD0: { ImageDescription: 'home-at-52.52N-13.40E' } })
        .toBuffer();
      const firstName = '00000000-0000-4000-8000-0000000000a0.png';
      const lastName = 'ffffffff-ffff-4fff-8fff-fffffffffff0.jpg';
      writeFileSync(join(dir, firstName), legacyPng);
      writeFileSync(join(dir, lastName), legacyJpeg);
      // More clean files than a batch holds, between the two: they are left byte for byte.
      const cleanNames = Array.from(
        { length: AVATAR_SWEEP_BATCH },
        (_, i) => `0000ffff-0000-4000-8000-${String(i).padStart(12, '0')}.png`,
      );
      for (const name of cleanNames) writeFileSync(join(dir, name), plainPng);
      const id = await draft(owner, 'Swept Legacy');
      await t.dataSource.query(`UPDATE character SET avatar_url = $2 WHERE id = $1`, [
        id,
        `/api/avatars/${firstName}`,
      ]);

      // As the migration queues it on an installation with stored avatars: one job, however
      // often it is queued.
      for (let i = 0; i < 2; i++) {
        const runner = t.dataSource.createQueryRunner();
        try {
          await new LegacyAvatarSweep1763812022000().up(runner);
        } finally {
          await runner.release();
        }
      }
      const pending = await t.dataSource.query<{ payload: unknown }[]>(
        `SELECT payload FROM job WHERE type = $1 AND status = 'pending'`,
        [AVATAR_SWEEP_JOB],
      );
      expect(pending).toEqual([{ payload: { after: null } }]);

      let runs = 0;
      for (let ran = await queue.runDue(); ran > 0; ran = await queue.runDue()) runs += ran;
      expect(runs).toBeGreaterThanOrEqual(2);
      const jobs = await t.dataSource.query<{ status: string }[]>(
        `SELECT status FROM job WHERE type = $1`,
        [AVATAR_SWEEP_JOB],
      );
      expect(jobs.every((job) => job.status === 'done')).toBe(true);

      const png = readFileSync(join(dir, firstName));
      expect(chunkList(png).types).not.toContain('tEXt');
      expect(png.includes('Swept')).toBe(false);
      expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 64, height: 48 });
      const jpeg = readFileSync(join(dir, lastName));
      expect(jpeg.includes('home-at-52.52N')).toBe(false);
      expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 40, height: 30 });
      expect((await sharp(jpeg).metadata()).exif).toBeUndefined();
      for (const name of cleanNames) {
        expect(readFileSync(join(dir, name)).equals(plainPng)).toBe(true);
      }
      // Swept again (a batch re-run after its worker died): nothing changes.
      await queue.enqueue(AVATAR_SWEEP_JOB, { after: null }, { dedupeKey: AVATAR_SWEEP_KEY });
      while ((await queue.runDue()) > 0);
      expect(readFileSync(join(dir, firstName)).equals(png)).toBe(true);
      expect(readFileSync(join(dir, lastName)).equals(jpeg)).toBe(true);
    });
  });

  describe('card import', () => {
    const import_ = (user: TestUser, file: Buffer, name = 'card.png') =>
      t.http.post('/api/characters/import').set(user.auth).attach('file', file, name);

    it('stops a 436,000-chunk card at the chunk cap (400 naming it) while healthz answers', async () => {
      const user = await createUser(t);
      const hostile = withChunks(plainPng, emptyChunks(436_000), cardChunk({ name: 'Chunky' }));
      const { result: res, answersMs } = await whileHealthzPolled(
        t,
        import_(user, hostile).then((r) => r),
      );
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Invalid character card: PNG file has more than 2048 chunks');
      expect(answersMs.length).toBeGreaterThan(0);
      expect(Math.max(...answersMs)).toBeLessThan(HEALTHZ_BOUND_MS);
    });

    it('refuses a card whose image is a pixel bomb, and keeps a real card picture, clean', async () => {
      const user = await createUser(t);
      const bomb = declaredPng(100_000, 100_000, cardChunk({ name: 'Bomb' }));
      const refused = await import_(user, bomb);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/100000×100000/);

      const card = withChunks(plainPng, cardChunk({ name: 'Pictured', description: 'd' }));
      const imported = await import_(user, card).expect(201);
      expect(imported.body.avatar_url).toMatch(/^\/api\/avatars\/[0-9a-f-]{36}\.png$/);
      const served = await asBuffer(t.http.get(imported.body.avatar_url)).expect(200);
      expect(chunkList(served.body as Buffer).types).not.toContain('tEXt');
      expect(await sharp(served.body as Buffer).metadata()).toMatchObject({
        width: 64,
        height: 48,
      });
    });

    it('rate limits imports per user: the 31st in an hour gets 429 with Retry-After', async () => {
      const [user, other] = [await createUser(t), await createUser(t)];
      const card = (i: number) => Buffer.from(JSON.stringify({ name: `Import ${i}` }));
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 31; i++) {
        const res = await import_(user, card(i), 'card.json');
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
      expect(statuses[30]).toBe(429);
      expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
      // Per user, not per address: another account on the same address still imports.
      await import_(other, card(31), 'card.json').expect(201);
    });

    it('imports a card whose picture cannot be decoded without an avatar', async () => {
      const user = await createUser(t);
      // A 64×48 IHDR whose image data holds no pixel rows: within the pixel limit, undecodable.
      const broken = declaredPng(64, 48, cardChunk({ name: 'Faded', description: 'Still here' }));
      const imported = await import_(user, broken).expect(201);
      expect(imported.body).toMatchObject({
        name: 'Faded',
        description: 'Still here',
        avatar_url: null,
      });
    });

    it('strips control characters and bidi overrides from every imported field', async () => {
      const user = await createUser(t);
      const dirty = (label: string) =>
        `${label}\u202Egnp.exe\u0000\u0007\u001b[31m\u2066x\u2069\n\tend\u0085`;
      // As a .json file: a JSON body holding U+0000 is refused before any card code runs.
      const card = {
        spec: 'chara_card_v3',
        spec_version: '3.0',
        data: {
          name: dirty('Name'),
          description: dirty('description'),
          personality: dirty('personality'),
          scenario: dirty('scenario'),
          first_mes: dirty('first_mes'),
          mes_example: dirty('mes_example'),
          creator_notes: dirty('notes'),
          system_prompt: dirty('system'),
          post_history_instructions: dirty('post'),
          alternate_greetings: [dirty('alt1'), dirty('alt2')],
          group_only_greetings: [dirty('group')],
          tags: [dirty('tag'), 'plain'],
          creator: dirty('creator'),
          character_version: dirty('v1'),
          character_book: {
            name: dirty('book'),
            entries: [
              {
                keys: [dirty('key')],
                content: dirty('entry'),
                comment: dirty('c'),
                extensions: {},
              },
            ],
          },
          extensions: {
            sweetsin: { appearance: dirty('appearance'), speech_pattern: dirty('speech') },
            depth_prompt: { prompt: dirty('depth'), depth: 4 },
          },
        },
      };
      const res = await t.http
        .post('/api/characters/import')
        .set(user.auth)
        .attach('file', Buffer.from(JSON.stringify(card)), 'dirty.json')
        .expect(201);
      const body = res.body as Record<string, unknown>;
      const strings = (value: unknown): string[] =>
        typeof value === 'string'
          ? [value]
          : Array.isArray(value)
            ? value.flatMap(strings)
            : value && typeof value === 'object'
              ? Object.values(value).flatMap(strings)
              : [];
      for (const text of strings(body)) expect(text).not.toMatch(FORBIDDEN);
      // Multi-line fields keep their line breaks and tabs; one-line fields are one line.
      expect(body.description).toBe('descriptiongnp.exe[31mx\n\tend');
      expect(body.name).toBe('Name gnp.exe [31m x end');
      expect(body.tags).toBe('tag gnp.exe [31m x end, plain');
      expect(body.alternate_greetings).toEqual([
        'alt1gnp.exe[31mx\n\tend',
        'alt2gnp.exe[31mx\n\tend',
      ]);
      expect(body.character_book).toMatchObject({
        entries: [{ keys: ['keygnp.exe[31mx\n\tend'], content: 'entrygnp.exe[31mx\n\tend' }],
      });

      const exported = await asBuffer(
        t.http
          .get(`/api/characters/${body.id as string}/export?format=json&spec=v3`)
          .set(user.auth),
      ).expect(200);
      const again = JSON.parse((exported.body as Buffer).toString('utf8'));
      const all = strings(again);
      expect(all.length).toBeGreaterThan(10);
      for (const text of all) expect(text).not.toMatch(FORBIDDEN);
      expect(again.data.extensions.depth_prompt).toEqual({
        prompt: 'depthgnp.exe[31mx\n\tend',
        depth: 4,
      });
    });

    it('strips control characters and bidi overrides from a lorebook sent to the API (create and edit)', async () => {
      const user = await createUser(t);
      // No U+0000: a JSON body holding it is refused before the DTO is read.
      const dirty = (label: string) => `${label}\u202Egnp.exe\u0007\u001b[31m\u2066x\u2069\n\tend`;
      const book = (label: string) => ({
        name: dirty(`${label}-book`),
        entries: [
          { keys: [dirty(`${label}-key`)], content: dirty(`${label}-entry`), extensions: {} },
        ],
      });
      const created = await t.http
        .post('/api/characters')
        .set(user.auth)
        .send({ name: 'Lorekeeper', character_book: book('create') })
        .expect(201);
      expect(created.body.character_book).toEqual({
        name: 'create-bookgnp.exe[31mx\n\tend',
        entries: [
          {
            keys: ['create-keygnp.exe[31mx\n\tend'],
            content: 'create-entrygnp.exe[31mx\n\tend',
            extensions: {},
            enabled: true,
            insertion_order: 100,
            use_regex: false,
          },
        ],
        extensions: {},
      });

      const id = created.body.id as string;
      await t.http
        .put(`/api/characters/${id}`)
        .set(user.auth)
        .send({ character_book: book('edit') })
        .expect(200);
      const [stored] = await t.dataSource.query<{ character_book: unknown }[]>(
        'SELECT character_book FROM character WHERE id = $1',
        [id],
      );
      expect(stored!.character_book).toEqual({
        name: 'edit-bookgnp.exe[31mx\n\tend',
        entries: [
          {
            keys: ['edit-keygnp.exe[31mx\n\tend'],
            content: 'edit-entrygnp.exe[31mx\n\tend',
            extensions: {},
            enabled: true,
            insertion_order: 100,
            use_regex: false,
          },
        ],
        extensions: {},
      });
    });
  });

  describe('card export', () => {
    it('answers from a clean copy of a hostile avatar stored before re-encoding, while healthz answers', async () => {
      const user = await createUser(t);
      const id = await draft(user, 'Legacy Hostile');
      const name = '00000000-0000-4000-8000-000000000002.png';
      mkdirSync(t.config.storage.avatarDir, { recursive: true });
      writeFileSync(
        join(t.config.storage.avatarDir, name),
        withChunks(plainPng, emptyChunks(436_000)),
      );
      await t.dataSource.query(`UPDATE character SET avatar_url = $2 WHERE id = $1`, [
        id,
        `/api/avatars/${name}`,
      ]);
      await rowCachesCaughtUp(t);
      const exportOnce = () =>
        asBuffer(t.http.get(`/api/characters/${id}/export?format=png`).set(user.auth));
      const { result, answersMs } = await whileHealthzPolled(
        t,
        (async () => {
          const results = [];
          for (let i = 0; i < 5; i++) results.push(await exportOnce());
          return results;
        })(),
      );
      for (const res of result) {
        expect(res.status).toBe(200);
        // The walk stopped at the cap; the card went into a re-encoded copy of the picture.
        const { types } = chunkList(res.body as Buffer);
        expect(types.length).toBeLessThan(10);
        expect(types).not.toContain('ruBb');
        expect(types.filter((type) => type === 'tEXt')).toHaveLength(1);
        expect(await sharp(res.body as Buffer).metadata()).toMatchObject({ width: 64, height: 48 });
      }
      expect(Math.max(...answersMs)).toBeLessThan(HEALTHZ_BOUND_MS);
    });

    it(`writes at most ${EXPORT_CONCURRENCY} exports at once; beyond, 503 with Retry-After`, async () => {
      const user = await createUser(t);
      const id = await draft(user, 'Huge Book');
      // A lorebook far larger than socket buffers: a client that reads nothing stalls its export.
      const entries = Array.from({ length: 16 }, (_, i) => ({
        keys: [`k${i}`],
        content: `${i}`.padEnd(512 * 1024, 'x'),
      }));
      await t.dataSource.query(`UPDATE character SET character_book = $2 WHERE id = $1`, [
        id,
        JSON.stringify({ entries }),
      ]);
      await rowCachesCaughtUp(t);
      const stalled = await stalledDownloads(
        t,
        `/api/characters/${id}/export?format=png&spec=v3`,
        user.auth.Authorization,
        EXPORT_CONCURRENCY,
      );
      const refused = await t.http.get(`/api/characters/${id}/export`).set(user.auth);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body.message).toMatch(/Too many card exports/);

      // A client that goes away gives its slot back.
      stalled[0].destroy();
      let status = 503;
      for (let attempt = 0; attempt < 200 && status === 503; attempt++) {
        status = (await t.http.get(`/api/characters/${id}/export`).set(user.auth)).status;
      }
      expect(status).toBe(200);
      for (const socket of stalled) socket.destroy();
    });

    it('rate limits exports per signed-in user (429 with Retry-After), not per address', async () => {
      const [user, other] = [await createUser(t), await createUser(t)];
      const id = await draft(user, 'Exported Often');
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 31; i++) {
        const res = await t.http.get(`/api/characters/${id}/export?format=json`).set(user.auth);
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
      expect(statuses[30]).toBe(429);
      expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
      const otherId = await draft(other, 'Exported Once');
      await t.http.get(`/api/characters/${otherId}/export?format=json`).set(other.auth).expect(200);
    });

    it('rate limits exports per address for guests (429 with Retry-After)', async () => {
      const id = await draft(owner, 'Popular');
      await t.dataSource.query(
        `UPDATE character SET is_public = true, avatar_url = '/api/avatars/x.png' WHERE id = $1`,
        [id],
      );
      await rowCachesCaughtUp(t);
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 31; i++) {
        const res = await t.http.get(`/api/characters/${id}/export?format=json`);
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
      expect(statuses[30]).toBe(429);
      expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  it('logged nothing at error level', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
