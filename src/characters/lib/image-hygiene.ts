import type { ImageExtension } from './image-reencoder.js';

// Whether a stored image is already what reencodeImage writes: pixel data and nothing else.
// Files kept from before uploads were re-encoded may carry a card's `chara` chunk, EXIF/GPS
// or data after the image; this tells them apart from clean ones without decoding a pixel,
// so a clean file is never re-encoded again (a JPEG or WebP would lose quality each time).
// Each walk is bounded: a structure it does not recognise, or too many parts, counts as not
// clean, and re-encoding then settles it.

const MAX_PARTS = 4096;

/**
 * PNG chunks that hold pixels or how to lay them out (libvips writes pHYs); text, EXIF, ICC,
 * time stamps and private chunks are not among them.
 */
const PNG_PIXEL_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'pHYs', 'IDAT', 'IEND']);

function isCleanPng(data: Buffer): boolean {
  let offset = 8;
  for (let parts = 0; parts < MAX_PARTS && offset + 12 <= data.length; parts++) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    if (!PNG_PIXEL_CHUNKS.has(type)) return false;
    offset += 12 + length;
    if (type === 'IEND') return offset === data.length;
  }
  return false;
}

/**
 * JPEG markers of the image itself: frame headers (SOF0–15 but DHT, JPG and DAC), Huffman and
 * quantisation tables, restart interval, scan header. APP0 is JFIF's header only when short
 * (16 bytes: no thumbnail); every other APPn (EXIF, XMP, ICC, Photoshop) and COM is metadata.
 */
function isImageMarker(marker: number, length: number): boolean {
  if (marker >= 0xc0 && marker <= 0xcf) return marker !== 0xc8 && marker !== 0xcc;
  if (marker === 0xdb || marker === 0xdd || marker === 0xda) return true;
  return marker === 0xe0 && length <= 16;
}

function isCleanJpeg(data: Buffer): boolean {
  let offset = 2; // after SOI
  for (let parts = 0; parts < MAX_PARTS; parts++) {
    if (offset + 2 > data.length || data[offset] !== 0xff) return false;
    const marker = data[offset + 1]!;
    if (marker === 0xd9) return offset + 2 === data.length; // EOI: nothing may follow
    if (offset + 4 > data.length) return false;
    const length = data.readUInt16BE(offset + 2);
    if (!isImageMarker(marker, length)) return false;
    offset += 2 + length;
    if (marker !== 0xda) continue;
    // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00, a restart
    // marker (RST0–7) or fill bytes.
    for (;;) {
      const next = data.indexOf(0xff, offset);
      if (next < 0 || next + 1 >= data.length) return false;
      const byte = data[next + 1]!;
      if (byte === 0x00 || (byte >= 0xd0 && byte <= 0xd7) || byte === 0xff) {
        offset = next + (byte === 0xff ? 1 : 2);
        continue;
      }
      offset = next;
      break;
    }
  }
  return false;
}

/** WebP chunks of pixels: lossy, lossless, alpha, and the extended header announcing alpha. */
const WEBP_PIXEL_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH']);

function isCleanWebp(data: Buffer): boolean {
  if (data.length < 12 || data.readUInt32LE(4) + 8 !== data.length) return false;
  let offset = 12;
  for (let parts = 0; parts < MAX_PARTS && offset + 8 <= data.length; parts++) {
    const type = data.toString('latin1', offset, offset + 4);
    if (!WEBP_PIXEL_CHUNKS.has(type)) return false; // EXIF, XMP, ICCP, animation frames
    const length = data.readUInt32LE(offset + 4);
    if (type === 'VP8X' && length >= 1 && offset + 8 < data.length) {
      // Flags for ICC (0x20), EXIF (0x08), XMP (0x04) or animation (0x02): not ours.
      if ((data[offset + 8]! & 0x2e) !== 0) return false;
    }
    offset += 8 + length + (length & 1);
    if (offset === data.length) return true;
  }
  return false;
}

/** True when `data` holds only what reencodeImage would write in its format. */
export function isCleanImage(data: Buffer, format: ImageExtension): boolean {
  switch (format) {
    case 'png':
      return isCleanPng(data);
    case 'jpg':
      return isCleanJpeg(data);
    case 'webp':
      return isCleanWebp(data);
  }
}
