import { crc32, deflateSync } from 'node:zlib';
import { toV2Card, type CharacterCardV2, type CharacterCardV3 } from './card-export.js';
import { CARD_LIMITS, CardError, parseCardJson, type CardData } from './character-card.js';

// Character cards ride in PNG tEXt chunks ("keyword\0text", latin1): `chara` holds base64 V2
// JSON, `ccv3` base64 V3 JSON. Parsing is done by hand: it is a few dozen lines, and an image
// library would decode pixels we never look at.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CARD_KEYWORDS = ['chara', 'ccv3'];
const TEXT_CHUNK_TYPES = new Set(['tEXt', 'zTXt', 'iTXt']);

/**
 * Bounds of the chunk walk, so a hostile file costs a bounded number of steps: a file of
 * 400,000 empty chunks stops at the chunk cap instead of checking every CRC. Real cards hold
 * fewer than 20 chunks besides IDAT, and libpng writes IDAT in 8 KiB pieces, so a 10 MB card
 * has about 1,300; text chunks need room for a 1 MB card in base64 (4/3 of it).
 */
export const PNG_LIMITS = {
  chunks: 2048,
  textChunkBytes: Math.ceil((CARD_LIMITS.jsonBytes * 4) / 3) + 64,
} as const;

interface PngChunk {
  type: string;
  data: Buffer;
}

export interface PngTextChunk {
  keyword: string;
  text: string;
}

function checkSignature(png: Buffer): void {
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new CardError('not a PNG file');
  }
}

/**
 * Splits a PNG into chunks, checking the signature, every CRC and that it ends with IEND;
 * refuses more than PNG_LIMITS.chunks chunks or an oversized text chunk as soon as it meets
 * one, before reading on.
 */
function readChunks(png: Buffer): PngChunk[] {
  checkSignature(png);
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  while (offset + 12 <= png.length) {
    if (chunks.length === PNG_LIMITS.chunks) {
      throw new CardError(`PNG file has more than ${PNG_LIMITS.chunks} chunks`);
    }
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (TEXT_CHUNK_TYPES.has(type) && length > PNG_LIMITS.textChunkBytes) {
      throw new CardError(`PNG ${type} chunk is larger than ${PNG_LIMITS.textChunkBytes} bytes`);
    }
    const end = offset + 12 + length;
    if (end > png.length) break;
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    if (crc32(typeAndData) !== png.readUInt32BE(offset + 8 + length)) {
      throw new CardError('PNG chunk CRC mismatch');
    }
    const chunk = { type, data: typeAndData.subarray(4) };
    chunks.push(chunk);
    // Anything after IEND is not part of the image.
    if (chunk.type === 'IEND') return chunks;
    offset = end;
  }
  throw new CardError('PNG file is truncated');
}

/**
 * Width and height from the IHDR chunk, which the PNG spec puts first: read before any
 * decoder sees the file, so a pixel bomb is refused for the price of 33 bytes.
 */
export function readPngDimensions(png: Buffer): { width: number; height: number } {
  checkSignature(png);
  if (png.length < 33 || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new CardError('PNG file does not start with an IHDR chunk');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A chunk as length+type, data and CRC. */
function encodeChunk({ type, data }: PngChunk): Buffer[] {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return [head, data, checksum];
}

const encodePng = (chunks: readonly PngChunk[]): Buffer =>
  Buffer.concat([PNG_SIGNATURE, ...chunks.flatMap(encodeChunk)]);

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
