import sharp from 'sharp';
import { CardError } from './character-card.js';
import { readPngDimensions } from './png-card.js';

/**
 * Uploaded and imported images are decoded and written again once, on the way in, so what is
 * stored and served is a plain image: no text chunks (a card's `chara`), no EXIF/GPS, ICC or
 * XMP, nothing after the image data; and exports only ever read these clean files.
 */
export const IMAGE_LIMITS = {
  /** Larger stored images only cost bandwidth: avatars are shown far smaller. */
  outputSide: 1024,
  /**
   * Decoding is refused beyond this many pixels before any pixel is decoded. 25 MP covers a
   * 6000×4000 photo; an interlaced PNG must be decoded whole (4 bytes a pixel, ~100 MB).
   */
  inputPixels: 25_000_000,
} as const;

export type ImageExtension = 'png' | 'jpg' | 'webp';

/** An image that cannot be stored; the message says why, for a 400. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

/** Pixel data libvips cannot decode (a broken file rather than a hostile size). */
export class UndecodableImageError extends ImageError {}

// One libvips thread per image: decoding runs on libuv's pool, which file access and password
// hashing share; on a small machine one upload should not occupy every thread.
sharp.concurrency(1);

function checkPixels(width: number, height: number): void {
  if (width * height > IMAGE_LIMITS.inputPixels) {
    throw new ImageError(
      `image is ${width}×${height} pixels; at most ${IMAGE_LIMITS.inputPixels.toLocaleString('en')} pixels are accepted`,
    );
  }
}

/**
 * Re-encodes an image in its own format (PNG stays lossless, as card art is), shrunk to fit
 * IMAGE_LIMITS.outputSide and turned upright by its EXIF orientation, with all metadata
 * dropped (sharp keeps none unless asked). Only the first frame of an animation is kept.
 */
export async function reencodeImage(
  data: Buffer,
  format: ImageExtension,
): Promise<{ data: Buffer; extension: ImageExtension }> {
  if (format === 'png') {
    let size;
    try {
      size = readPngDimensions(data);
    } catch (error) {
      if (error instanceof CardError) throw new ImageError(error.message);
      throw error;
    }
    checkPixels(size.width, size.height);
  }
  const image = sharp(data, {
    // The same bound again for JPEG and WebP, checked by libvips from the header.
    limitInputPixels: IMAGE_LIMITS.inputPixels,
    sequentialRead: true,
    failOn: 'error',
  })
    .autoOrient()
    .resize({
      width: IMAGE_LIMITS.outputSide,
      height: IMAGE_LIMITS.outputSide,
      fit: 'inside',
      withoutEnlargement: true,
    });
  const encoded =
    format === 'png'
      ? image.png()
      : format === 'jpg'
        ? image.jpeg({ quality: 85, mozjpeg: true })
        : image.webp({ quality: 85 });
  try {
    return { data: await encoded.toBuffer(), extension: format };
  } catch (error) {
    const message = (error as Error).message;
    if (/pixel limit/i.test(message)) {
      throw new ImageError(
        `image has more than ${IMAGE_LIMITS.inputPixels.toLocaleString('en')} pixels`,
      );
    }
    throw new UndecodableImageError('image could not be decoded', { cause: error });
  }
}

/**
 * A stored avatar as PNG, for a PNG card export of a character whose picture is a JPEG or WebP
 * (or an old PNG too unwieldy to add chunks to). Within the same pixel bound as an upload.
 */
export async function convertToPng(data: Buffer): Promise<Buffer> {
  return convertImage(data, 'png');
}

/** A stored avatar in another of the stored formats (a CharX icon of a given type, a PNG card). */
export async function convertImage(data: Buffer, format: ImageExtension): Promise<Buffer> {
  try {
    return await sharp(data, {
      limitInputPixels: IMAGE_LIMITS.inputPixels,
      sequentialRead: true,
      failOn: 'error',
    })
      .resize({
        width: IMAGE_LIMITS.outputSide,
        height: IMAGE_LIMITS.outputSide,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .toFormat(format === 'jpg' ? 'jpeg' : format)
      .toBuffer();
  } catch (error) {
    throw new UndecodableImageError('image could not be decoded', { cause: error });
  }
}
