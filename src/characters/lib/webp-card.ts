import { CARD_LIMITS, CardError, parseCardJson, type CardData } from './character-card.js';

// WebP cards (TavernAI, older SillyTavern, chub): the card JSON in the EXIF UserComment tag.
// The WebP container is RIFF (chunks: four-character type, little-endian size, data padded to
// even length); its EXIF chunk holds a TIFF structure (EXIF 2.3, section 4.6): a byte order
// mark, IFD0, whose tag 0x8769 points at the Exif IFD, where UserComment (0x9286) is an
// UNDEFINED value starting with an 8-byte character code. Parsed by hand, bounded like PNGs.

/** Bounds of the walk, so a hostile file costs a bounded number of steps. */
const WEBP_LIMITS = { chunks: 1_000, ifdEntries: 1_000 } as const;

const TAG_EXIF_IFD = 0x8769;
const TAG_USER_COMMENT = 0x9286;
/** UNDEFINED and ASCII: the types UserComment is written with. */
const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

/** The payload of the WebP's EXIF chunk, or null when it has none. */
function findExifChunk(webp: Buffer): Buffer | null {
  if (
    webp.length < 12 ||
    webp.toString('latin1', 0, 4) !== 'RIFF' ||
    webp.toString('latin1', 8, 12) !== 'WEBP'
  ) {
    throw new CardError('not a WebP file');
  }
  let offset = 12;
  for (let count = 0; offset + 8 <= webp.length; count++) {
    if (count === WEBP_LIMITS.chunks)
      throw new CardError(`WebP file has more than ${WEBP_LIMITS.chunks} chunks`);
    const type = webp.toString('latin1', offset, offset + 4);
    const size = webp.readUInt32LE(offset + 4);
    const end = offset + 8 + size;
    if (end > webp.length) throw new CardError('WebP file is truncated');
    if (type === 'EXIF') return webp.subarray(offset + 8, end);
    offset = end + (size & 1);
  }
  return null;
}

/** A TIFF structure's IFD reader, every offset checked against its bounds. */
class Tiff {
  private readonly little: boolean;

  constructor(private readonly data: Buffer) {
    const order = data.toString('latin1', 0, 2);
    if (data.length < 8 || (order !== 'II' && order !== 'MM')) {
      throw new CardError('WebP EXIF data is not a TIFF structure');
    }
    this.little = order === 'II';
  }

  get littleEndian(): boolean {
    return this.little;
  }

  private u16 = (offset: number) =>
    this.little ? this.data.readUInt16LE(offset) : this.data.readUInt16BE(offset);
  private u32 = (offset: number) =>
    this.little ? this.data.readUInt32LE(offset) : this.data.readUInt32BE(offset);

  get firstIfd(): number {
    return this.u32(4);
  }

  /** The value bytes of `tag` in the IFD at `offset`, or null. */
  find(offset: number, tag: number): Buffer | null {
    if (offset + 2 > this.data.length) throw new CardError('WebP EXIF data is truncated');
    const count = this.u16(offset);
    if (count > WEBP_LIMITS.ifdEntries || offset + 2 + count * 12 > this.data.length) {
      throw new CardError('WebP EXIF data is corrupt');
    }
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      if (this.u16(entry) !== tag) continue;
      const size = (TYPE_SIZES[this.u16(entry + 2)] ?? 1) * this.u32(entry + 4);
      const start = size <= 4 ? entry + 8 : this.u32(entry + 8);
      if (start + size > this.data.length) throw new CardError('WebP EXIF data is truncated');
      return this.data.subarray(start, start + size);
    }
    return null;
  }

  pointer(value: Buffer): number {
    return this.little ? value.readUInt32LE(0) : value.readUInt32BE(0);
  }
}

/** UserComment's text: its character code says how it is encoded (UTF-8 when undefined). */
function decodeUserComment(value: Buffer, littleEndian: boolean): string {
  const code = value.toString('latin1', 0, 8);
  const body = value.subarray(8);
  let text: string;
  if (code === 'UNICODE\0') {
    // UCS-2 in the TIFF's byte order; a byte order mark, when written, says otherwise.
    const bytes = Buffer.from(body);
    const bigEndian =
      bytes[0] === 0xfe && bytes[1] === 0xff
        ? true
        : bytes[0] === 0xff && bytes[1] === 0xfe
          ? false
          : !littleEndian;
    if (bigEndian) bytes.swap16();
    text = bytes.toString('utf16le', 0, bytes.length & ~1).replace(/^\uFEFF/, '');
  } else if (code === 'ASCII\0\0\0' || code === '\0'.repeat(8)) {
    text = body.toString('utf8');
  } else if (code.startsWith('JIS')) {
    throw new CardError('WebP UserComment in JIS encoding is not supported');
  } else {
    // Written without a character code (TavernAI): the text itself.
    text = value.toString('utf8');
  }
  return text.replace(/[\0\s]+$/, '').trim();
}

/** The card in a WebP's EXIF UserComment: JSON, or base64 JSON. */
export function extractCardFromWebp(webp: Buffer): CardData {
  const exif = findExifChunk(webp);
  if (!exif) throw new CardError('no character card in WebP (no EXIF data)');
  // Some writers keep the JPEG APP1 marker's "Exif\0\0" in front of the TIFF data.
  const tiff = new Tiff(exif.toString('latin1', 0, 6) === 'Exif\0\0' ? exif.subarray(6) : exif);
  const ifd0 = tiff.firstIfd;
  const exifIfd = tiff.find(ifd0, TAG_EXIF_IFD);
  const comment =
    (exifIfd && exifIfd.length >= 4 ? tiff.find(tiff.pointer(exifIfd), TAG_USER_COMMENT) : null) ??
    tiff.find(ifd0, TAG_USER_COMMENT);
  if (!comment) throw new CardError('no character card in WebP (no EXIF UserComment)');
  if (comment.length > Math.ceil((CARD_LIMITS.jsonBytes * 4) / 3) + 64) {
    throw new CardError('character card must be at most 1 MB');
  }
  const text = decodeUserComment(comment, tiff.littleEndian);
  if (text.startsWith('{')) return parseCardJson(text);
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return parseCardJson(Buffer.from(text, 'base64'));
  throw new CardError('WebP UserComment holds no character card');
}
