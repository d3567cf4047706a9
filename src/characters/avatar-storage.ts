import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { ModerationService } from '../moderation/moderation.service.js';
import type { ModeratedImage } from '../moderation/moderation.types.js';
import { isCleanImage } from './lib/image-hygiene.js';
import {
  ImageError,
  type ImageExtension,
  reencodeImage,
  UndecodableImageError,
} from './lib/image-reencoder.js';

export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;
export const AVATAR_URL_PREFIX = '/api/avatars/';
/** Server-generated names only, so a stored name can never point outside the directory. */
export const AVATAR_FILE_NAME =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(png|jpg|webp)$/;

/** Image type by magic bytes; the client's file name and Content-Type are not trusted. */
export function imageExtension(data: Buffer): 'png' | 'jpg' | 'webp' | null {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  if (
    data.subarray(0, 4).toString('latin1') === 'RIFF' &&
    data.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'webp';
  }
  return null;
}

const MIME_TYPES: Record<ImageExtension, ModeratedImage['mimeType']> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
};

/** An image as moderation reads it (its type by its magic bytes), or null for another type. */
export function moderatedImage(data: Buffer): ModeratedImage | null {
  const extension = imageExtension(data);
  return extension && { data, mimeType: MIME_TYPES[extension] };
}

export interface SaveOptions {
  /** Card imports pass their own limit: card art may be larger than an avatar upload. */
  maxBytes?: number;
  /** `skip`: a picture libvips cannot decode gives null instead of a 400 (card art is optional). */
  undecodable?: 'refuse' | 'skip';
  /**
   * Read by moderation (ModerationService.checkImage) before it is stored: a refusal is the
   * 422 naming `field` and the category, and nothing is written.
   */
  moderate?: { field: string; nsfw: boolean };
}

/**
 * How a stored file stands: already clean, made clean now, gone, or one that cannot be made
 * clean (not an image, over the pixel limit, undecodable), which is never served.
 */
export type StoredAvatarState = 'clean' | 'cleaned' | 'missing' | 'unusable';

/** Names this process has seen clean or unusable; past this many, it starts over. */
const CHECKED_NAMES_MAX = 100_000;

/** Where a file being rewritten is written first; never a name AVATAR_FILE_NAME accepts. */
const rewriteName = (name: string) => `${name}.${randomUUID()}.reencode.tmp`;
/** A rewrite's first copy, left behind when its process died before renaming it over. */
export const ABANDONED_REWRITE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(png|jpg|webp)\.[0-9a-f-]{36}\.reencode\.tmp$/;

/** Avatar files on local disk (AVATAR_DIR), behind an interface small enough to swap for S3. */
@Injectable()
export class AvatarStorage {
  private readonly logger = new Logger(AvatarStorage.name);
  /** Files whose state this process knows for good (a clean file stays clean). */
  private readonly checked = new Map<string, 'clean' | 'unusable'>();
  /** One check per file at a time: requests for the same file wait for the same one. */
  private readonly checking = new Map<string, Promise<StoredAvatarState>>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly moderation: ModerationService,
  ) {}

  get directory(): string {
    return this.config.storage.avatarDir;
  }

  /**
   * Stores an uploaded or imported image, re-encoded (see reencodeImage: nothing of the
   * original file but its pixels is kept), and returns its public URL. With `moderate`, the
   * re-encoded pixels (what would be served) are checked first. With `undecodable: 'skip'`
   * a picture libvips cannot decode gives null (one over the pixel limit is still refused).
   */
  async save(data: Buffer, options?: SaveOptions & { undecodable?: 'refuse' }): Promise<string>;
  async save(data: Buffer, options: SaveOptions & { undecodable: 'skip' }): Promise<string | null>;
  async save(data: Buffer, options: SaveOptions = {}): Promise<string | null> {
    const { maxBytes = AVATAR_MAX_BYTES, undecodable = 'refuse', moderate } = options;
    const format = imageExtension(data);
    if (!format) throw new BadRequestException('file must be a PNG, JPEG or WebP image');
    if (data.length > maxBytes) {
      throw new BadRequestException(`file must be at most ${maxBytes / 1024 / 1024} MB`);
    }
    let clean;
    try {
      clean = await reencodeImage(data, format);
    } catch (error) {
      if (error instanceof UndecodableImageError && undecodable === 'skip') {
        this.logger.debug(`Image not stored: ${String((error.cause as Error)?.message)}`);
        return null;
      }
      if (error instanceof ImageError)
        throw new BadRequestException(`Invalid image: ${error.message}`);
      throw error;
    }
    if (moderate) {
      const check = await this.moderation.checkImage(
        { data: clean.data, mimeType: MIME_TYPES[clean.extension] },
        moderate,
      );
      if (check.verdict === 'refuse') throw this.moderation.refusalOf(check);
    }
    const name = `${randomUUID()}.${clean.extension}`;
    await mkdir(this.directory, { recursive: true });
    await writeFile(join(this.directory, name), clean.data, { flag: 'wx' });
    this.remember(name, 'clean');
    return AVATAR_URL_PREFIX + name;
  }

  /**
   * Makes the stored file `name` what save() would have stored. Files written before uploads
   * were re-encoded may still carry a card's chunks or EXIF: those are re-encoded in place
   * (written beside and renamed over, so a reader sees the old file or the new one, never
   * half of either; the URL stays valid). A clean file is left alone, so doing this twice, or
   * on two instances at once, re-encodes nothing twice over. The avatar route calls it before
   * serving a file the first time; the legacy sweep (AvatarSweepService) for every file.
   */
  async ensureClean(name: string): Promise<StoredAvatarState> {
    if (!AVATAR_FILE_NAME.test(name)) return 'missing';
    const known = this.checked.get(name);
    if (known) return known;
    let pending = this.checking.get(name);
    if (!pending) {
      pending = this.check(name).finally(() => this.checking.delete(name));
      this.checking.set(name, pending);
    }
    return pending;
  }

  private async check(name: string): Promise<StoredAvatarState> {
    const path = join(this.directory, name);
    const data = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!data) return 'missing';
    const format = imageExtension(data);
    if (format && isCleanImage(data, format)) return this.remember(name, 'clean');
    let clean;
    try {
      if (!format) throw new ImageError('not a PNG, JPEG or WebP image');
      clean = await reencodeImage(data, format);
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      this.logger.warn(`Stored avatar ${name} cannot be re-encoded, not served: ${error.message}`);
      return this.remember(name, 'unusable');
    }
    const temporary = join(this.directory, rewriteName(name));
    try {
      await writeFile(temporary, clean.data, { flag: 'wx' });
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    this.logger.log(`Stored avatar ${name} re-encoded: it was kept from before re-encoding`);
    this.remember(name, 'clean');
    return 'cleaned';
  }

  private remember<S extends 'clean' | 'unusable'>(name: string, state: S): S {
    if (this.checked.size >= CHECKED_NAMES_MAX) this.checked.clear();
    this.checked.set(name, state);
    return state;
  }

  /**
   * A stored avatar's bytes and type (by its magic bytes), or null for an external URL or a
   * file that is gone: exports write the card into the character's own picture.
   */
  async read(
    url: string | null,
  ): Promise<{ data: Buffer; extension: 'png' | 'jpg' | 'webp' } | null> {
    const name = url?.startsWith(AVATAR_URL_PREFIX) ? url.slice(AVATAR_URL_PREFIX.length) : '';
    if (!AVATAR_FILE_NAME.test(name)) return null;
    const data = await readFile(join(this.directory, name)).catch(() => null);
    const extension = data && imageExtension(data);
    return data && extension ? { data, extension } : null;
  }

  /** Removes a file this storage created; anything else (external URLs) is left alone. */
  async remove(url: string | null): Promise<void> {
    const name = url?.startsWith(AVATAR_URL_PREFIX)
      ? url.slice(AVATAR_URL_PREFIX.length)
      : undefined;
    if (!name || !AVATAR_FILE_NAME.test(name)) return;
    this.checked.delete(name);
    await this.unlinkQuietly(name);
  }

  /** Removes an ABANDONED_REWRITE file (the caller checks its age: a young one may be in use). */
  async removeAbandonedRewrite(name: string): Promise<void> {
    if (ABANDONED_REWRITE.test(name)) await this.unlinkQuietly(name);
  }

  private async unlinkQuietly(name: string): Promise<void> {
    await unlink(join(this.directory, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT')
        this.logger.warn(`Could not remove avatar ${name}: ${error.message}`);
    });
  }
}
