import { CardError, parseCardJson, type CardData } from './character-card.js';
import { type CharxFile, readCharx } from './charx-card.js';
import { extractCardFromPng } from './png-card.js';
import { extractCardFromWebp } from './webp-card.js';
import { hasZipArchive } from './zip-archive.js';

/** Every card file the import reads, named for the 400 a file of none of them gets. */
export const ACCEPTED_CARD_FORMATS =
  'a PNG card (chara or ccv3 chunk), a WebP card (EXIF UserComment), a CharX archive ' +
  '(.charx, or appended to a JPEG) or a JSON card (V1, V2 or V3)';

export type CardFileFormat = 'png' | 'webp' | 'charx' | 'jpeg-charx' | 'json';

export interface CardFile {
  format: CardFileFormat;
  card: CardData;
  /** The card's picture, to become the avatar (decoded and re-encoded by the caller). */
  picture: Buffer | null;
  /** A CharX's other picture assets (readCharx), kept like the picture. */
  assetFiles?: CharxFile[];
}

const startsWith = (data: Buffer, bytes: number[]): boolean =>
  data.length >= bytes.length && bytes.every((byte, i) => data[i] === byte);

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** JSON text starts with `{` after optional whitespace and a byte order mark. */
const looksLikeJson = (data: Buffer): boolean =>
  /^(?:\uFEFF)?\s*\{/.test(data.toString('utf8', 0, Math.min(data.length, 64)));

/**
 * Reads a card file of any accepted format, told apart by its bytes (the file name and type a
 * client sends are not trusted).
 */
export function readCardFile(data: Buffer): CardFile {
  if (startsWith(data, PNG)) {
    return { format: 'png', card: extractCardFromPng(data), picture: data };
  }
  if (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') {
    return { format: 'webp', card: extractCardFromWebp(data), picture: data };
  }
  if (startsWith(data, ZIP)) return { format: 'charx', ...readCharx(data) };
  if (startsWith(data, JPEG)) {
    if (!hasZipArchive(data)) {
      throw new CardError(
        `a JPEG carries no card unless a CharX archive is appended to it; send ${ACCEPTED_CARD_FORMATS}`,
      );
    }
    return { format: 'jpeg-charx', ...readCharx(data) };
  }
  if (looksLikeJson(data)) return { format: 'json', card: parseCardJson(data), picture: null };
  throw new CardError(`unrecognized file; send ${ACCEPTED_CARD_FORMATS}`);
}
