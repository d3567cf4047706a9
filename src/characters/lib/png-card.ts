import { crc32, deflateSync } from 'node:zlib';
import {
  CardError,
  parseCardJson,
  toV2Card,
  type CardData,
  type CharacterCardV2,
  type CharacterCardV3,
} from './character-card.js';

// Character cards ride in PNG tEXt chunks ("keyword\0text", latin1): `chara` holds base64 V2
// JSON, `ccv3` base64 V3 JSON. Parsing is done by hand: it is a few dozen lines, and an image
// library would decode pixels we never look at.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CARD_KEYWORDS = ['chara', 'ccv3'];

interface PngChunk {
  type: string;
  data: Buffer;
}

export interface PngTextChunk {
  keyword: string;
  text: string;
}

/** Splits a PNG into chunks, checking the signature, every CRC and that it ends with IEND. */
function readChunks(png: Buffer): PngChunk[] {
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new CardError('not a PNG file');
  }
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > png.length) break;
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    if (crc32(typeAndData) !== png.readUInt32BE(offset + 8 + length)) {
      throw new CardError('PNG chunk CRC mismatch');
    }
    const chunk = { type: typeAndData.toString('latin1', 0, 4), data: typeAndData.subarray(4) };
    chunks.push(chunk);
    // Anything after IEND is not part of the image.
    if (chunk.type === 'IEND') return chunks;
    offset = end;
  }
  throw new CardError('PNG file is truncated');
}

function encodeChunk({ type, data }: PngChunk): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

const encodePng = (chunks: readonly PngChunk[]): Buffer =>
  Buffer.concat([PNG_SIGNATURE, ...chunks.map(encodeChunk)]);

function decodeText(chunk: PngChunk): PngTextChunk {
  const separator = chunk.data.indexOf(0);
  if (separator < 1) throw new CardError('PNG tEXt chunk has no keyword');
  return {
    keyword: chunk.data.toString('latin1', 0, separator),
    text: chunk.data.toString('latin1', separator + 1),
  };
}

const textChunk = (keyword: string, text: string): PngChunk => ({
  type: 'tEXt',
  data: Buffer.from(`${keyword}\0${text}`, 'latin1'),
});

const isCardChunk = (chunk: PngChunk): boolean =>
  chunk.type === 'tEXt' && CARD_KEYWORDS.includes(decodeText(chunk).keyword.toLowerCase());

/** All tEXt chunks of a valid PNG, in file order. */
export function readPngTextChunks(png: Buffer): PngTextChunk[] {
  return readChunks(png)
    .filter((chunk) => chunk.type === 'tEXt')
    .map(decodeText);
}

/** The card in a PNG: `ccv3` when present (the V3 spec says to prefer it), else `chara`. */
export function extractCardFromPng(png: Buffer): CardData {
  const chunks = readPngTextChunks(png);
  const find = (keyword: string) => chunks.find((c) => c.keyword.toLowerCase() === keyword);
  const chunk = find('ccv3') ?? find('chara');
  if (!chunk) throw new CardError('no character card in PNG');
  const base64 = chunk.text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
    throw new CardError(`PNG '${chunk.keyword}' chunk is not base64`);
  }
  return parseCardJson(Buffer.from(base64, 'base64'));
}

const toBase64Json = (card: object): string => Buffer.from(JSON.stringify(card)).toString('base64');

/**
 * A copy of the PNG carrying the card. Old card chunks are dropped; a V2 card goes into
 * `chara`, a V3 card into `ccv3` plus its V2 view in `chara` for V2-only readers, as
 * SillyTavern writes them. The new chunks go just before IEND.
 */
export function embedCardInPng(png: Buffer, card: CharacterCardV2 | CharacterCardV3): Buffer {
  const chunks = readChunks(png).filter((chunk) => !isCardChunk(chunk));
  const cardChunks =
    card.spec === 'chara_card_v3'
      ? [textChunk('chara', toBase64Json(toV2Card(card))), textChunk('ccv3', toBase64Json(card))]
      : [textChunk('chara', toBase64Json(card))];
  chunks.splice(chunks.length - 1, 0, ...cardChunks);
  return encodePng(chunks);
}

const AVATAR_SIZE = 64;
/** A muted rose: neutral enough for any character. */
const AVATAR_RGB = [0xb0, 0x7a, 0x8c];

/** A 64×64 solid-colour PNG for cards of characters that have no avatar. */
export function defaultAvatarPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(AVATAR_SIZE, 0);
  header.writeUInt32BE(AVATAR_SIZE, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, RGB, deflate, filter method 0, not interlaced
  // Each scanline is a filter-type byte (0: none) followed by the pixels.
  const row = Buffer.from([0, ...Array.from({ length: AVATAR_SIZE }, () => AVATAR_RGB).flat()]);
  const pixels = Buffer.concat(Array.from({ length: AVATAR_SIZE }, () => row));
  return encodePng([
    { type: 'IHDR', data: header },
    { type: 'IDAT', data: deflateSync(pixels) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
}
