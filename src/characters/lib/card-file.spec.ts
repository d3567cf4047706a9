import { describe, expect, it } from '@jest/globals';
import { zipSync } from 'fflate';
import { crc32, deflateRawSync } from 'node:zlib';
import { CardError } from './card-error.js';
import { readCardFile } from './card-file.js';
import { ZIP_LIMITS } from './zip-archive.js';

const card = (name: string, extra: Record<string, unknown> = {}) => ({
  spec: 'chara_card_v3',
  spec_version: '3.0',
  data: { name, first_mes: 'Hello.', ...extra },
});

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/**
 * A one-entry ZIP written by hand after APPNOTE, whose central directory may lie about the
 * entry's uncompressed size: what a zip bomb does.
 */
function lyingZip(name: string, content: Buffer, declaredSize: number): Buffer {
  const compressed = deflateRawSync(content);
  const fileName = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(content), 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(declaredSize, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(content), 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(declaredSize, 24);
  central.writeUInt16LE(fileName.length, 28);
  const directoryOffset = local.length + fileName.length + compressed.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return Buffer.concat([local, fileName, compressed, central, fileName, end]);
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);

describe('readCardFile', () => {
  it('reads a CharX card and its main icon, on its own and appended to a JPEG', () => {
    const icon = Buffer.from('not really a png');
    const zip = Buffer.from(
      zipSync({
        'card.json': json(
          card('Zed', {
            assets: [
              { type: 'background', uri: 'embeded://assets/bg.png', name: 'main', ext: 'png' },
              {
                type: 'icon',
                uri: 'embeded://assets/icon/images/main.png',
                name: 'main',
                ext: 'png',
              },
            ],
          }),
        ),
        'assets/icon/images/main.png': icon,
      }),
    );
    const plain = readCardFile(zip);
    expect(plain).toMatchObject({ format: 'charx', card: { name: 'Zed' } });
    expect(plain.picture?.equals(icon)).toBe(true);
    const wrapped = readCardFile(Buffer.concat([JPEG, zip]));
    expect(wrapped).toMatchObject({ format: 'jpeg-charx', card: { name: 'Zed' } });
    expect(wrapped.picture?.equals(icon)).toBe(true);
  });

  it('takes the JPEG in front of a CharX as the picture when the card has no icon file', () => {
    const zip = Buffer.from(zipSync({ 'card.json': json(card('Jay')) }));
    const read = readCardFile(Buffer.concat([JPEG, zip]));
    expect(read.picture?.equals(JPEG)).toBe(true);
  });

  it('refuses a card.json that inflates past its declared size, stopping right there', () => {
    const bomb = Buffer.alloc(100 * 1024 * 1024, 0x20);
    bomb.write(JSON.stringify(card('Boom')));
    const file = lyingZip('card.json', bomb, 1000);
    const started = performance.now();
    expect(() => readCardFile(file)).toThrow(
      new CardError('card.json in the archive inflates to more than the 1000 bytes it declares'),
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses archives that declare too much, too many entries, or no card.json', () => {
    expect(() => readCardFile(lyingZip('card.json', Buffer.from('{}'), 2 * 1024 * 1024))).toThrow(
      'card.json in the archive is larger than 1048576 bytes',
    );
    const many = Object.fromEntries(
      Array.from({ length: ZIP_LIMITS.entries + 1 }, (_, i) => [`f${i}`, new Uint8Array(1)]),
    );
    expect(() => readCardFile(Buffer.from(zipSync(many)))).toThrow(/1001 entries; at most 1000/);
    expect(() => readCardFile(Buffer.from(zipSync({ 'x.json': json(card('X')) })))).toThrow(
      'CharX archive has no card.json at its root',
    );
  });

  it('names the accepted formats for a file of none of them', () => {
    expect(() => readCardFile(Buffer.from('GIF89a...'))).toThrow(
      /^unrecognized file; send a PNG card .*WebP.*CharX.*JSON/,
    );
    expect(() => readCardFile(JPEG)).toThrow(/a JPEG carries no card unless a CharX archive/);
  });
});
