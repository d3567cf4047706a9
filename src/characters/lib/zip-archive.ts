import { crc32, inflateRawSync } from 'node:zlib';
import { CardError } from './card-error.js';

// Reading ZIP archives (CharX cards) from untrusted uploads, after PKWARE's APPNOTE: the end
// of central directory record, the central directory, and each entry's local header. Written
// here rather than with a library because the reading must be bounded in ways unzip libraries
// leave to the caller: entries are counted before any is looked at, only the entries asked for
// are inflated, and inflating stops as soon as an entry yields more than it declared (fflate's
// unzipSync would inflate a lying entry to its end). Writing uses fflate (charx-card.ts).

export const ZIP_LIMITS = {
  /** Entries in the central directory; a CharX holds a card and its assets. */
  entries: 1_000,
  /** Declared uncompressed size of all entries together: larger is a zip bomb, not a card. */
  totalBytes: 100 * 1024 * 1024,
} as const;

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
/** The EOCD record ends with a comment of at most 65,535 bytes. */
const EOCD_SEARCH = EOCD_SIZE + 0xffff;

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The offset of the end of central directory record, or -1 when there is none. */
function findEndOfCentralDirectory(data: Buffer): number {
  const stop = Math.max(0, data.length - EOCD_SEARCH);
  for (let offset = data.length - EOCD_SIZE; offset >= stop; offset--) {
    if (data.readUInt32LE(offset) === EOCD_SIGNATURE) return offset;
  }
  return -1;
}

/** Whether the bytes end with a ZIP archive (a .charx, or one appended to a JPEG). */
export const hasZipArchive = (data: Buffer): boolean =>
  data.length >= EOCD_SIZE && findEndOfCentralDirectory(data) >= 0;

/** A ZIP archive's directory, read and bounded; entries are inflated on request. */
export class ZipArchive {
  private constructor(
    private readonly data: Buffer,
    /** Bytes before the archive: a JPEG that RisuAI put in front of a CharX. */
    readonly prefixLength: number,
    private readonly entries: Map<string, ZipEntry>,
  ) {}

  /**
   * Reads the central directory. Archives appended to other data (a JPEG) keep offsets relative
   * to their own start: the prefix is where the directory really is minus where it says it is.
   */
  static open(data: Buffer): ZipArchive {
    const end = findEndOfCentralDirectory(data);
    if (end < 0) throw new CardError('not a ZIP archive');
    const count = data.readUInt16LE(end + 10);
    const directorySize = data.readUInt32LE(end + 12);
    const directoryOffset = data.readUInt32LE(end + 16);
    if (count === 0xffff || directoryOffset === 0xffffffff) {
      throw new CardError('ZIP64 archives are not accepted (a card is far smaller)');
    }
    if (count > ZIP_LIMITS.entries) {
      throw new CardError(
        `ZIP archive has ${count} entries; at most ${ZIP_LIMITS.entries} are accepted`,
      );
    }
    const directoryStart = end - directorySize;
    const prefixLength = directoryStart - directoryOffset;
    if (directoryStart < 0 || prefixLength < 0) throw new CardError('ZIP directory is corrupt');
    const entries = new Map<string, ZipEntry>();
    let total = 0;
    let offset = directoryStart;
    for (let i = 0; i < count; i++) {
      if (offset + 46 > end || data.readUInt32LE(offset) !== CENTRAL_SIGNATURE) {
        throw new CardError('ZIP directory is corrupt');
      }
      const nameLength = data.readUInt16LE(offset + 28);
      const next =
        offset + 46 + nameLength + data.readUInt16LE(offset + 30) + data.readUInt16LE(offset + 32);
      if (next > end) throw new CardError('ZIP directory is corrupt');
      const flags = data.readUInt16LE(offset + 8);
      const entry: ZipEntry = {
        // Bit 11: the name is UTF-8; otherwise CP437, which agrees with it on ASCII names.
        name: data.toString(
          flags & 0x800 ? 'utf8' : 'latin1',
          offset + 46,
          offset + 46 + nameLength,
        ),
        method: data.readUInt16LE(offset + 10),
        flags,
        crc: data.readUInt32LE(offset + 16),
        compressedSize: data.readUInt32LE(offset + 20),
        size: data.readUInt32LE(offset + 24),
        localOffset: data.readUInt32LE(offset + 42),
      };
      total += entry.size;
      if (total > ZIP_LIMITS.totalBytes) {
        throw new CardError(
          `ZIP archive declares more than ${ZIP_LIMITS.totalBytes / 1024 / 1024} MB uncompressed`,
        );
      }
      if (!entries.has(entry.name)) entries.set(entry.name, entry);
      offset = next;
    }
    return new ZipArchive(data, prefixLength, entries);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * An entry's bytes, or undefined when the archive has none of that name. Refused when it
   * declares more than `maxBytes`, inflates to more or less than it declares (inflating stops
   * right past the declared size), or fails its CRC.
   */
  read(name: string, maxBytes: number): Buffer | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    if (entry.size > maxBytes) {
      throw new CardError(`${name} in the archive is larger than ${maxBytes} bytes`);
    }
    if (entry.flags & 0x1) throw new CardError(`${name} in the archive is encrypted`);
    const local = this.prefixLength + entry.localOffset;
    if (local + 30 > this.data.length || this.data.readUInt32LE(local) !== LOCAL_SIGNATURE) {
      throw new CardError(`${name} in the archive is corrupt`);
    }
    const start =
      local + 30 + this.data.readUInt16LE(local + 26) + this.data.readUInt16LE(local + 28);
    const end = start + entry.compressedSize;
    if (end > this.data.length) throw new CardError(`${name} in the archive is truncated`);
    const stored = this.data.subarray(start, end);
    let content: Buffer;
    if (entry.method === 0) {
      content = stored;
    } else if (entry.method === 8) {
      try {
        // maxOutputLength stops the inflater as soon as it passes the declared size.
        content = inflateRawSync(stored, { maxOutputLength: Math.max(1, entry.size) });
      } catch (error) {
        throw new CardError(
          (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
            ? `${name} in the archive inflates to more than the ${entry.size} bytes it declares`
            : `${name} in the archive is corrupt`,
        );
      }
    } else {
      throw new CardError(`${name} in the archive uses an unsupported compression method`);
    }
    if (content.length !== entry.size) {
      throw new CardError(`${name} in the archive is not the ${entry.size} bytes it declares`);
    }
    if (crc32(content) !== entry.crc) throw new CardError(`${name} in the archive fails its CRC`);
    return content;
  }
}
