import { zipSync, type Zippable } from 'fflate';
import type { CharacterCardV3 } from './card-export.js';
import {
  CARD_LIMITS,
  CardError,
  parseCardJson,
  type CardAsset,
  type CardData,
} from './character-card.js';
import { ZipArchive } from './zip-archive.js';

// CharX (card spec V3): a ZIP with the V3 card as `card.json` at its root and its assets as
// files, referenced from `data.assets` as `embeded://path/in/zip` (the spec's own spelling).
// RisuAI also writes it appended to a JPEG of the character (the archive's offsets then count
// from the archive's start). The main icon becomes the avatar; the other embedded assets that
// are pictures (emotions, backgrounds: PNG, JPEG, WebP) are kept, re-encoded like avatars, and
// written back by a CharX export, so the card comes back equal. Other files (audio, models)
// are not kept, and a CharX export leaves out the entries whose files it does not hold.

export const CHARX_ICON_MAX_BYTES = 10 * 1024 * 1024;
/** Picture assets kept of one CharX besides its icon, and their bytes in all. */
export const CHARX_ASSET_FILES = 16;
export const CHARX_ASSETS_MAX_BYTES = 20 * 1024 * 1024;

const EMBEDDED = 'embeded://';

/** The asset shown as the character: the icon named `main`, else the first icon. */
function mainIcon(assets: readonly CardAsset[] | undefined): CardAsset | undefined {
  const icons = (assets ?? []).filter((asset) => asset.type === 'icon');
  return icons.find((asset) => asset.name === 'main') ?? icons[0];
}

/** Where the spec suggests an icon goes; also where a `ccdefault:` icon is looked for. */
const conventionalIconPath = (ext: string) => `assets/icon/images/main.${ext}`;
const ICON_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp'];

export interface CharxFile {
  /** Its path in the archive (an `embeded://` asset's URI without the prefix). */
  path: string;
  data: Buffer;
}

export interface CharxContents {
  card: CardData;
  /** The main icon's file, else the JPEG the archive was appended to, else null. */
  picture: Buffer | null;
  /** The other picture assets' files, in the card's order, within the bounds above. */
  assetFiles: CharxFile[];
}

/**
 * Reads a CharX archive, on its own or appended to a JPEG. The picture is the main icon's
 * embedded file; for an icon that is `ccdefault:` (or absent, or missing from the archive), the
 * file at the spec's suggested icon path; else the JPEG in front of the archive.
 */
export function readCharx(data: Buffer): CharxContents {
  const archive = ZipArchive.open(data);
  const json = archive.read('card.json', CARD_LIMITS.jsonBytes);
  if (!json) throw new CardError('CharX archive has no card.json at its root');
  const card = parseCardJson(json);
  const icon = mainIcon(card.assets);
  const paths = [
    ...(icon?.uri.startsWith(EMBEDDED) ? [icon.uri.slice(EMBEDDED.length)] : []),
    ...ICON_EXTENSIONS.map(conventionalIconPath),
  ];
  const path = paths.find((candidate) => archive.has(candidate));
  const picture = path ? archive.read(path, CHARX_ICON_MAX_BYTES) : undefined;
  const assetFiles: CharxFile[] = [];
  let assetBytes = 0;
  for (const asset of card.assets ?? []) {
    if (assetFiles.length >= CHARX_ASSET_FILES) break;
    const assetPath = asset.uri.startsWith(EMBEDDED) ? asset.uri.slice(EMBEDDED.length) : '';
    if (!assetPath || assetPath === path || !ICON_EXTENSIONS.includes(extensionOf(assetPath))) {
      continue;
    }
    if (assetFiles.some((file) => file.path === assetPath) || !archive.has(assetPath)) continue;
    const file = archive.read(assetPath, CHARX_ICON_MAX_BYTES);
    if (!file || assetBytes + file.length > CHARX_ASSETS_MAX_BYTES) continue;
    assetBytes += file.length;
    assetFiles.push({ path: assetPath, data: file });
  }
  return {
    card,
    picture: picture ?? (archive.prefixLength > 0 ? data.subarray(0, archive.prefixLength) : null),
    assetFiles,
  };
}

const extensionOf = (path: string) => path.slice(path.lastIndexOf('.') + 1).toLowerCase();

/**
 * Where a CharX export puts the character's picture, and in which format: where the card's
 * main icon points when that is an embedded PNG, JPEG or WebP, else at the spec's suggested
 * path in the avatar's own format.
 */
export function charxIconTarget(
  card: CharacterCardV3,
  avatarExt: 'png' | 'jpg' | 'webp',
): { path: string; format: 'png' | 'jpg' | 'webp' } {
  const icon = mainIcon(card.data.assets);
  const ext = icon?.ext.toLowerCase();
  if (icon?.uri.startsWith(EMBEDDED) && ext && ICON_EXTENSIONS.includes(ext)) {
    return {
      path: icon.uri.slice(EMBEDDED.length),
      format: ext === 'jpeg' ? 'jpg' : (ext as 'png' | 'jpg' | 'webp'),
    };
  }
  return { path: conventionalIconPath(avatarExt), format: avatarExt };
}

/**
 * The card's assets as an archive holding the icon file at `iconPath` (or no icon) and the
 * files at `filePaths` can honour them: in a CharX an `embeded://` entry names a file of the
 * archive. The main icon's entry points at the icon written (as it already does unless its
 * format was not one avatars are stored in); entries of files written stay; other embedded
 * entries are left out. URLs, data URIs and `ccdefault:` stay, and so does a list without
 * embedded entries (or no list), so a card that never had files exports as it came.
 */
export function charxAssets(
  assets: readonly CardAsset[] | undefined,
  iconPath: string | null,
  filePaths: ReadonlySet<string> = new Set(),
): CardAsset[] | undefined {
  if (!assets) return undefined;
  const main = mainIcon(assets);
  const iconUri = iconPath === null ? null : EMBEDDED + iconPath;
  return assets.flatMap((asset) => {
    if (!asset.uri.startsWith(EMBEDDED) || asset.uri === iconUri) return [asset];
    if (asset !== main && filePaths.has(asset.uri.slice(EMBEDDED.length))) return [asset];
    if (asset !== main || iconUri === null) return [];
    const ext = iconPath!.slice(iconPath!.lastIndexOf('.') + 1);
    return [{ ...asset, uri: iconUri, ext }];
  });
}

/**
 * A CharX archive: `card.json` at the root, the icon file where charxIconTarget says and the
 * kept asset files at their paths; the card's assets name no file the archive does not hold
 * (charxAssets).
 */
export function writeCharx(
  card: CharacterCardV3,
  icon: CharxFile | null,
  assetFiles: readonly CharxFile[] = [],
): Buffer {
  const others = assetFiles.filter((file) => file.path !== icon?.path);
  const assets = charxAssets(
    card.data.assets,
    icon?.path ?? null,
    new Set(others.map((file) => file.path)),
  );
  const written = assets ? { ...card, data: { ...card.data, assets } } : card;
  const files: Zippable = { 'card.json': new TextEncoder().encode(JSON.stringify(written)) };
  // Images are compressed already: stored as they are.
  for (const file of [...others, ...(icon ? [icon] : [])]) {
    files[file.path] = [file.data, { level: 0 }];
  }
  return Buffer.from(zipSync(files, { level: 6 }));
}
