import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AvatarStorage, imageExtension } from './avatar-storage.js';
import { CharactersService } from './characters.service.js';
import type { CharacterResponseDto } from './dto/character-response.dto.js';
import type { CharacterEntity } from './entities/character.entity.js';
import { type CardFile, readCardFile } from './lib/card-file.js';
import { characterToCard, type CharacterCardV2, type CharacterCardV3 } from './lib/card-export.js';
import { CardError, cardToCharacterData, parseCardJson } from './lib/character-card.js';
import { charxIconTarget, type CharxFile, writeCharx } from './lib/charx-card.js';
import { convertImage, convertToPng, ImageError } from './lib/image-reencoder.js';
import { DEFINITION_HIDDEN_MESSAGE, mayReadDefinition } from './lib/definition-access.js';
import { mayReadLorebook } from './lib/lorebook-access.js';
import { defaultAvatarPng, embedCardInPng } from './lib/png-card.js';

/** Our own fields travel in `data.extensions.<PLATFORM_KEY>` of SillyTavern cards. */
export const CARD_PLATFORM_KEY = 'sweetsin';

/** Largest card file accepted for import (a PNG's picture or a CharX's assets included). */
export const CARD_FILE_MAX_BYTES = 10 * 1024 * 1024;

export const CARD_EXPORT_FORMATS = ['json', 'png', 'charx'] as const;
export type CardExportFormat = (typeof CARD_EXPORT_FORMATS)[number];

const CONTENT_TYPES: Record<CardExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  png: 'image/png',
  // CharX has no registered type of its own: it is a ZIP archive.
  charx: 'application/zip',
};

/**
 * An export, built in memory: a few MB at most (the card text is capped and stored avatars
 * are at most 1024 px), with CardExportSlots bounding how many are held at once.
 */
export interface ExportedCard {
  fileName: string;
  contentType: string;
  body: Buffer;
}

/** Character cards (V1/V2/V3 as JSON, PNG, WebP or CharX) in, and out as JSON, PNG or CharX. */
@Injectable()
export class CardsService {
  constructor(
    private readonly characters: CharactersService,
    private readonly avatars: AvatarStorage,
  ) {}

  async export(
    idOrSlug: string,
    viewer: AuthUser | null,
    format: CardExportFormat,
    spec: 'v2' | 'v3',
  ): Promise<ExportedCard> {
    const character = await this.characters.findVisible(idOrSlug, viewer);
    // A card is the whole definition: one its creator hid is theirs (and admins') to export.
    if (!mayReadDefinition(character, viewer))
      throw new ForbiddenException(DEFINITION_HIDDEN_MESSAGE);
    const card = characterToCard(
      mayReadLorebook(character, viewer) ? character : { ...character, characterBook: null },
      // CharX is a V3 container.
      { spec: format === 'charx' ? 'v3' : spec, platformKey: CARD_PLATFORM_KEY },
    );
    return {
      fileName: `${character.slug}.${format}`,
      contentType: CONTENT_TYPES[format],
      body:
        format === 'json'
          ? Buffer.from(JSON.stringify(card, null, 2))
          : format === 'png'
            ? await this.pngWithCard(character, card)
            : await this.charx(character, card as CharacterCardV3),
    };
  }

  /**
   * Imports a card file (PNG, WebP, CharX on its own or after a JPEG, or JSON) or a card sent
   * as the JSON body into a private draft. The card's picture (the PNG or WebP itself, the
   * CharX's main icon, else the JPEG in front of it) becomes the draft's avatar, re-encoded
   * like any upload; a picture that cannot be decoded is left out (the text is what a card is
   * for), a pixel bomb refused, and one moderation refuses (an image classifier configured) is
   * a 422 naming `picture`, as a refused text names its field.
   */
  async import(
    file: Buffer | undefined,
    body: unknown,
    owner: AuthUser,
  ): Promise<CharacterResponseDto> {
    let fields: ReturnType<typeof cardToCharacterData>;
    let picture: Buffer | null = null;
    let assetFiles: CharxFile[] = [];
    try {
      // A body card is held to the same 1 MB as a card file.
      const read: CardFile = file
        ? readCardFile(file)
        : { format: 'json', card: parseCardJson(JSON.stringify(body ?? null)), picture: null };
      fields = cardToCharacterData(read.card, { platformKey: CARD_PLATFORM_KEY });
      picture = read.picture;
      assetFiles = read.assetFiles ?? [];
    } catch (error) {
      if (error instanceof CardError)
        throw new BadRequestException(`Invalid character card: ${error.message}`);
      throw error;
    }
    const stored: string[] = [];
    // Re-encoded and screened as the picture is; one that cannot be decoded is not kept.
    const nsfw = fields.contentRating === 'nsfw';
    const keep = async (data: Buffer, field: string) => {
      if (!imageExtension(data)) return null;
      const url = await this.avatars.save(data, {
        maxBytes: CARD_FILE_MAX_BYTES,
        undecodable: 'skip',
        moderate: { field, nsfw },
      });
      if (url) stored.push(url);
      return url;
    };
    try {
      // A CharX icon may be any format; only the three avatars are stored in are taken.
      const avatarUrl = picture ? await keep(picture, 'picture') : null;
      const files: Record<string, string> = {};
      for (const asset of assetFiles) {
        const url = await keep(asset.data, 'assets');
        if (url) files[asset.path] = url;
      }
      const kept = Object.keys(files).length > 0;
      const draft = kept ? { ...fields, cardExtras: { ...fields.cardExtras, files } } : fields;
      return await this.characters.createDraft(avatarUrl ? { ...draft, avatarUrl } : draft, owner);
    } catch (error) {
      await Promise.all(stored.map((url) => this.avatars.remove(url)));
      throw error;
    }
  }

  /**
   * The card written into the character's own avatar: a stored PNG as it is (avatars are
   * re-encoded at upload, so this reads a small clean file), a JPEG or WebP (or an old PNG that
   * breaks the chunk limits) converted to PNG first; a plain placeholder when the character
   * has no picture on this server, or one that cannot be decoded.
   */
  private async pngWithCard(
    character: CharacterEntity,
    card: CharacterCardV2 | CharacterCardV3,
  ): Promise<Buffer> {
    const avatar = await this.avatars.read(character.avatarUrl);
    if (avatar?.extension === 'png') {
      try {
        return embedCardInPng(avatar.data, card);
      } catch (error) {
        if (!(error instanceof CardError)) throw error;
      }
    }
    if (avatar) {
      try {
        return embedCardInPng(await convertToPng(avatar.data), card);
      } catch (error) {
        if (!(error instanceof ImageError) && !(error instanceof CardError)) throw error;
      }
    }
    return embedCardInPng(defaultAvatarPng(), card);
  }

  /**
   * A CharX archive: the V3 card, with the character's avatar as its main icon file (in the
   * format the card's icon asset names); without it when the avatar cannot be decoded.
   */
  private async charx(character: CharacterEntity, card: CharacterCardV3): Promise<Buffer> {
    const assetFiles: CharxFile[] = [];
    for (const [path, url] of Object.entries(character.cardExtras.files ?? {})) {
      const file = await this.avatars.read(url);
      if (file) assetFiles.push({ path, data: file.data });
    }
    const avatar = await this.avatars.read(character.avatarUrl);
    if (!avatar) return writeCharx(card, null, assetFiles);
    const { path, format } = charxIconTarget(card, avatar.extension);
    try {
      const data =
        format === avatar.extension ? avatar.data : await convertImage(avatar.data, format);
      return writeCharx(card, { path, data }, assetFiles);
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      return writeCharx(card, null, assetFiles);
    }
  }
}
