import { describe, expect, it } from '@jest/globals';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { isCleanImage } from './image-hygiene.js';
import { reencodeImage } from './image-reencoder.js';

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, sum]);
}

/** The chunk right after IHDR (signature and IHDR are the first 33 bytes). */
const afterIhdr = (png: Buffer, extra: Buffer) =>
  Buffer.concat([png.subarray(0, 33), extra, png.subarray(33)]);

const canvas = (width = 40, height = 30, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: '#c05070' } });

/** Noise, so a large PNG takes several IDAT chunks and a JPEG real entropy-coded data. */
async function noisy(width: number, height: number): Promise<ReturnType<typeof sharp>> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

describe('isCleanImage', () => {
  it('accepts what sharp writes, which is what the re-encoder stores', async () => {
    expect(isCleanImage(await canvas().png().toBuffer(), 'png')).toBe(true);
    expect(isCleanImage(await canvas(40, 30, 4).png().toBuffer(), 'png')).toBe(true);
    expect(isCleanImage(await canvas().png({ palette: true }).toBuffer(), 'png')).toBe(true);
    expect(isCleanImage(await (await noisy(1024, 768)).png().toBuffer(), 'png')).toBe(true);
    const jpeg = await (await noisy(300, 200)).jpeg({ quality: 85, mozjpeg: true }).toBuffer();
    expect(isCleanImage(jpeg, 'jpg')).toBe(true);
    expect(isCleanImage(await (await noisy(300, 200)).jpeg().toBuffer(), 'jpg')).toBe(true);
    expect(isCleanImage(await canvas().webp().toBuffer(), 'webp')).toBe(true);
    expect(isCleanImage(await canvas(40, 30, 4).webp().toBuffer(), 'webp')).toBe(true);
    expect(isCleanImage(await canvas().webp({ lossless: true }).toBuffer(), 'webp')).toBe(true);
  });

  it('refuses a PNG with a card chunk, EXIF, any other ancillary chunk or trailing data', async () => {
    const png = await canvas().png().toBuffer();
    const card = pngChunk('tEXt', Buffer.from('chara\0eyJuYW1lIjoiWCJ9'));
    expect(isCleanImage(afterIhdr(png, card), 'png')).toBe(false);
    expect(isCleanImage(afterIhdr(png, pngChunk('ccv3', Buffer.alloc(0))), 'png')).toBe(false);
    expect(isCleanImage(afterIhdr(png, pngChunk('eXIf', Buffer.from('MM'))), 'png')).toBe(false);
    expect(isCleanImage(afterIhdr(png, pngChunk('ruBb', Buffer.alloc(0))), 'png')).toBe(false);
    expect(isCleanImage(Buffer.concat([png, Buffer.from('PK\x03\x04')]), 'png')).toBe(false);
    expect(isCleanImage(png.subarray(0, png.length - 12), 'png')).toBe(false);
  });

  it('refuses a JPEG with EXIF, ICC, a comment or data after the image', async () => {
    const jpeg = canvas().jpeg();
    expect(
      isCleanImage(
        await jpeg
          .clone()
          .withExif({ IFD0: { Artist: 'x' } })
          .toBuffer(),
        'jpg',
      ),
    ).toBe(false);
    expect(isCleanImage(await jpeg.clone().withIccProfile('p3').toBuffer(), 'jpg')).toBe(false);
    const plain = await jpeg.clone().toBuffer();
    const comment = Buffer.from([0xff, 0xfe, 0x00, 0x07, ...Buffer.from('hello')]);
    expect(
      isCleanImage(Buffer.concat([plain.subarray(0, 2), comment, plain.subarray(2)]), 'jpg'),
    ).toBe(false);
    // RisuAI's CharX appended to a JPEG.
    expect(isCleanImage(Buffer.concat([plain, Buffer.from('PK\x03\x04card')]), 'jpg')).toBe(false);
    expect(isCleanImage(plain.subarray(0, plain.length - 2), 'jpg')).toBe(false);
  });

  it('refuses a WebP with EXIF or XMP, or data past its RIFF size', async () => {
    const exif = await canvas()
      .webp()
      .withExif({ IFD0: { Artist: 'x' } })
      .toBuffer();
    expect(isCleanImage(exif, 'webp')).toBe(false);
    const plain = await canvas().webp().toBuffer();
    expect(isCleanImage(Buffer.concat([plain, Buffer.from('trailing')]), 'webp')).toBe(false);
  });

  it('is true of whatever the re-encoder makes of a dirty file, so a re-run re-encodes nothing', async () => {
    const png = await canvas().png().toBuffer();
    const dirty = [
      { data: afterIhdr(png, pngChunk('tEXt', Buffer.from('chara\0e30='))), format: 'png' },
      {
        data: await (
          await noisy(200, 100)
        )
          .jpeg({ progressive: true })
          .withExif({ IFD0: { Artist: 'x' } })
          .toBuffer(),
        format: 'jpg',
      },
      {
        data: await canvas(40, 30, 4)
          .webp()
          .withExif({ IFD0: { Artist: 'x' } })
          .toBuffer(),
        format: 'webp',
      },
    ] as const;
    for (const { data, format } of dirty) {
      expect(isCleanImage(data, format)).toBe(false);
      const clean = await reencodeImage(data, format);
      expect(isCleanImage(clean.data, format)).toBe(true);
    }
  });
});
