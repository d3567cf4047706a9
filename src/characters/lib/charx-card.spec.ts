import { describe, expect, it } from '@jest/globals';
import { unzipSync } from 'fflate';
import type { CharacterCardV3 } from './card-export.js';
import type { CardAsset } from './character-card.js';
import {
  CHARX_ASSET_FILES,
  charxAssets,
  charxIconTarget,
  readCharx,
  writeCharx,
} from './charx-card.js';

const ICON: CardAsset = {
  type: 'icon',
  uri: 'embeded://assets/icon/images/main.png',
  name: 'main',
  ext: 'png',
};
const EMOTION: CardAsset = {
  type: 'emotion',
  uri: 'embeded://assets/emotion/images/angry.png',
  name: 'angry',
  ext: 'png',
};
const SOUND: CardAsset = {
  type: 'x_risu_sound',
  uri: 'embeded://assets/other/audio/waves.mp3',
  name: 'waves',
  ext: 'mp3',
};
const REMOTE: CardAsset = {
  type: 'background',
  uri: 'https://example.org/bay.png',
  name: 'bay',
  ext: 'png',
};
const DEFAULT: CardAsset = { type: 'user_icon', uri: 'ccdefault:', name: 'main', ext: 'png' };

const card = (assets: CardAsset[] | undefined): CharacterCardV3 =>
  ({
    spec: 'chara_card_v3',
    spec_version: '3.0',
    data: { name: 'Ysolde', extensions: {}, ...(assets ? { assets } : {}) },
  }) as unknown as CharacterCardV3;

/** Every `embeded://` path the archive's card.json names, and the files it holds. */
function archiveOf(data: Buffer): { named: string[]; files: string[]; assets: unknown } {
  const files = unzipSync(new Uint8Array(data));
  const json = JSON.parse(new TextDecoder().decode(files['card.json'])) as CharacterCardV3;
  const named = (json.data.assets ?? [])
    .map((asset) => asset.uri)
    .filter((uri) => uri.startsWith('embeded://'))
    .map((uri) => uri.slice('embeded://'.length));
  return { named, files: Object.keys(files), assets: json.data.assets };
}

const PIXELS = Buffer.from('not really an image');

describe('CharX export assets', () => {
  it('names no file the archive does not hold: embedded entries without a file are left out', () => {
    const source = card([ICON, EMOTION, SOUND, REMOTE, DEFAULT]);
    const target = charxIconTarget(source, 'png');
    expect(target).toEqual({ path: 'assets/icon/images/main.png', format: 'png' });
    const archive = archiveOf(writeCharx(source, { path: target.path, data: PIXELS }));
    expect(archive.named.filter((path) => !archive.files.includes(path))).toEqual([]);
    expect(archive.assets).toEqual([ICON, REMOTE, DEFAULT]);
    // The card given is not changed: its stored list still has every entry.
    expect(source.data.assets).toEqual([ICON, EMOTION, SOUND, REMOTE, DEFAULT]);
    // Imported again, the icon is found where the card says.
    expect(readCharx(writeCharx(source, { path: target.path, data: PIXELS })).picture).toEqual(
      PIXELS,
    );
  });

  it('points the main icon at the file written when its own format was not kept', () => {
    const avif = { ...ICON, uri: 'embeded://assets/icon/images/portrait.avif', ext: 'avif' };
    const source = card([EMOTION, avif]);
    const target = charxIconTarget(source, 'webp');
    expect(target).toEqual({ path: 'assets/icon/images/main.webp', format: 'webp' });
    const archive = archiveOf(writeCharx(source, { path: target.path, data: PIXELS }));
    expect(archive.assets).toEqual([
      { ...avif, uri: 'embeded://assets/icon/images/main.webp', ext: 'webp' },
    ]);
  });

  it('leaves out every embedded entry when no icon is written', () => {
    const archive = archiveOf(writeCharx(card([ICON, EMOTION, REMOTE]), null));
    expect(archive.files).toEqual(['card.json']);
    expect(archive.assets).toEqual([REMOTE]);
  });

  it('keeps a card without assets, or without embedded ones, as it is', () => {
    expect(charxAssets(undefined, 'assets/icon/images/main.png')).toBeUndefined();
    expect(charxAssets([], 'assets/icon/images/main.png')).toEqual([]);
    expect(charxAssets([REMOTE, DEFAULT], null)).toEqual([REMOTE, DEFAULT]);
    const archive = archiveOf(
      writeCharx(card(undefined), { path: ICON.uri.slice(10), data: PIXELS }),
    );
    expect(archive.assets).toBeUndefined();
  });

  it('writes the picture assets it kept back, with their entries, and reads them again', () => {
    const source = card([ICON, EMOTION, SOUND, REMOTE]);
    const emotionPath = EMOTION.uri.slice('embeded://'.length);
    const angry = Buffer.from('angry pixels');
    const written = writeCharx(source, { path: ICON.uri.slice(10), data: PIXELS }, [
      { path: emotionPath, data: angry },
    ]);
    const archive = archiveOf(written);
    expect(archive.named.filter((path) => !archive.files.includes(path))).toEqual([]);
    expect(archive.assets).toEqual([ICON, EMOTION, REMOTE]);
    const read = readCharx(written);
    expect(read.picture).toEqual(PIXELS);
    // Only pictures are kept besides the icon; the sound's file was never there.
    expect(read.assetFiles).toEqual([{ path: emotionPath, data: angry }]);
  });

  it('keeps at most CHARX_ASSET_FILES pictures besides the icon, never the icon twice', () => {
    const many = Array.from({ length: CHARX_ASSET_FILES + 4 }, (_, n) => ({
      ...EMOTION,
      name: `e${n}`,
      uri: `embeded://assets/emotion/images/e${n}.png`,
    }));
    const written = writeCharx(
      card([ICON, ...many]),
      { path: ICON.uri.slice(10), data: PIXELS },
      many.map((asset) => ({ path: asset.uri.slice(10), data: PIXELS })),
    );
    const read = readCharx(written);
    expect(read.assetFiles).toHaveLength(CHARX_ASSET_FILES);
    expect(read.assetFiles.map((file) => file.path)).not.toContain(ICON.uri.slice(10));
  });
});
