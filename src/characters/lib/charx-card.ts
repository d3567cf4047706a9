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
// from the archive's start). Only the card and its main icon are read: the icon becomes the
// avatar, other asset files are not kept (their entries in `assets` are).

export const CHARX_ICON_MAX_BYTES = 10 * 1024 * 1024;

const EMBEDDED = 'embeded://';

/** The asset shown as the character: the icon named `main`, else the first icon. */
function mainIconIndex(assets: readonly CardAsset[]): number {
  const main = assets.findIndex((asset) => asset.type === 'icon' && asset.name === 'main');
  return main >= 0 ? main : assets.findIndex((asset) => asset.type === 'icon');
}

export interface CharxContents {
  card: CardData;
  /** The main icon's file, else the JPEG the archive was appended to, else null. */
  picture: Buffer | null;
}

/** Reads a CharX archive, on its own or appended to a JPEG. */
export function readCharx(data: Buffer): CharxContents {
  const archive = ZipArchive.open(data);
  const json = archive.read('card.json', CARD_LIMITS.jsonBytes);
  if (!json) throw new CardError('CharX archive has no card.json at its root');
  const card = parseCardJson(json);
  const assets = card.assets ?? [];
  const icon = assets[mainIconIndex(assets)];
  const iconPath = icon?.uri.startsWith(EMBEDDED) ? icon.uri.slice(EMBEDDED.length) : undefined;
  const picture = iconPath ? archive.read(iconPath, CHARX_ICON_MAX_BYTES) : undefined;
  return {
    card,
    picture: picture ?? (archive.prefixLength > 0 ? data.subarray(0, archive.prefixLength) : null),
  };
}

const sameExtension = (a: string, b: string): boolean =>
  a.toLowerCase().replace('jpeg', 'jpg') === b.toLowerCase().replace('jpeg', 'jpg');

/**
 * A CharX archive of the card with `icon` as its main icon: written where the card's main icon
 * asset points when that is an embedded file of the same type, else at the spec's suggested
 * `assets/icon/images/main.<ext>`, the asset entry updated (or added) to point there.
 */
export function writeCharx(
  card: CharacterCardV3,
  icon: { data: Buffer; ext: string } | null,
): Buffer {
  let written = card;
  let iconFile: Zippable = {};
  if (icon) {
    const assets = [...(card.data.assets ?? [])];
    const index = mainIconIndex(assets);
    const current = assets[index];
    let path: string;
    if (current?.uri.startsWith(EMBEDDED) && sameExtension(current.ext, icon.ext)) {
      path = current.uri.slice(EMBEDDED.length);
    } else {
      path = `assets/icon/images/main.${icon.ext}`;
      const asset: CardAsset = current
        ? { ...current, uri: EMBEDDED + path, ext: icon.ext }
        : { type: 'icon', uri: EMBEDDED + path, name: 'main', ext: icon.ext };
      if (index >= 0) assets[index] = asset;
      else assets.unshift(asset);
    }
    written = { ...card, data: { ...card.data, assets } };
    // Images are compressed already: stored as they are.
    iconFile = { [path]: [icon.data, { level: 0 }] };
  }
  const files: Zippable = {
    'card.json': new TextEncoder().encode(JSON.stringify(written)),
    ...iconFile,
  };
  return Buffer.from(zipSync(files, { level: 6 }));
}
