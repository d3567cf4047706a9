import { BadRequestException, Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AVATAR_URL_PREFIX, AvatarStorage, imageExtension } from './avatar-storage.js';
import { CharactersService } from './characters.service.js';
import type { CharacterResponseDto } from './dto/character-response.dto.js';
import {
  CardError,
  cardToCharacterData,
  characterToCard,
  parseCard,
  parseCardJson,
} from './lib/character-card.js';
import { defaultAvatarPng, embedCardInPngParts, extractCardFromPng } from './lib/png-card.js';
import { mayReadLorebook } from './lib/lorebook-access.js';

/** Our own fields travel in `data.extensions.<PLATFORM_KEY>` of SillyTavern cards. */
export const CARD_PLATFORM_KEY = 'sweetsin';

/** Largest card file accepted for import (a PNG's picture included). */
export const CARD_FILE_MAX_BYTES = 10 * 1024 * 1024;

/** JSON exports are handed to the response in pieces of this size, so it can pace them. */
const JSON_PIECE_BYTES = 64 * 1024;

export interface ExportedCard {
  fileName: string;
  contentType: string;
  /** The file in pieces, written in order; nothing joins them into one buffer. */
  parts: Buffer[];
  byteLength: number;
}

const splitIntoPieces = (data: Buffer): Buffer[] =>
  Array.from({ length: Math.ceil(data.length / JSON_PIECE_BYTES) }, (_, i) =>
    data.subarray(i * JSON_PIECE_BYTES, (i + 1) * JSON_PIECE_BYTES),
  );

const totalLength = (parts: readonly Buffer[]): number =>
  parts.reduce((sum, part) => sum + part.length, 0);

/** SillyTavern character cards (V1/V2/V3, JSON and PNG) in and out. */
@Injectable()
export class CardsService {
  constructor(
    private readonly characters: CharactersService,
    private readonly avatars: AvatarStorage,
  ) {}

  async export(
    idOrSlug: string,
    viewer: AuthUser | null,
    format: 'json' | 'png',
    spec: 'v2' | 'v3',
  ): Promise<ExportedCard> {
    const character = await this.characters.findVisible(idOrSlug, viewer);
    const card = characterToCard(
      mayReadLorebook(character, viewer) ? character : { ...character, characterBook: null },
      {
        spec,
        platformKey: CARD_PLATFORM_KEY,
      },
    );
    const parts =
      format === 'json'
        ? splitIntoPieces(Buffer.from(JSON.stringify(card, null, 2)))
        : await this.pngWithCard(character.avatarUrl, card);
    return {
      fileName: `${character.slug}.${format}`,
      contentType: format === 'json' ? 'application/json; charset=utf-8' : 'image/png',
      parts,
      byteLength: totalLength(parts),
    };
  }

  /**
   * Imports a card file (PNG or JSON) or a card sent as the JSON body into a private draft.
   * A PNG card's picture becomes the draft's avatar, re-encoded like any upload; a picture
   * that cannot be decoded is left out (the text is what a card is for), a pixel bomb refused.
   */
  async import(
    file: Buffer | undefined,
    body: unknown,
    owner: AuthUser,
  ): Promise<CharacterResponseDto> {
    const isPng = file !== undefined && imageExtension(file) === 'png';
    let fields;
    try {
      const card = file
        ? isPng
          ? extractCardFromPng(file)
          : parseCardJson(file)
        : parseCard(body);
      fields = cardToCharacterData(card, { platformKey: CARD_PLATFORM_KEY });
    } catch (error) {
      if (error instanceof CardError)
        throw new BadRequestException(`Invalid character card: ${error.message}`);
      throw error;
    }
    if (!isPng) return this.characters.createDraft(fields, owner);
    const avatarUrl = await this.avatars.save(file, CARD_FILE_MAX_BYTES, 'skip');
    if (!avatarUrl) return this.characters.createDraft(fields, owner);
    try {
      return await this.characters.createDraft({ ...fields, avatarUrl }, owner);
    } catch (error) {
      await this.avatars.remove(avatarUrl);
      throw error;
    }
  }

  /**
   * The card written into the character's own PNG avatar when it has one on this server, else
   * into a plain placeholder. Stored avatars are re-encoded at upload, so this reads a small
   * clean file; one stored before that rule that breaks the chunk limits gets the placeholder.
   */
  private async pngWithCard(
    avatarUrl: string | null,
    card: Parameters<typeof embedCardInPngParts>[1],
  ): Promise<Buffer[]> {
    if (avatarUrl?.startsWith(AVATAR_URL_PREFIX) && avatarUrl.endsWith('.png')) {
      const data = await readFile(
        join(this.avatars.directory, avatarUrl.slice(AVATAR_URL_PREFIX.length)),
      ).catch(() => undefined);
      try {
        if (data) return embedCardInPngParts(data, card);
      } catch (error) {
        if (!(error instanceof CardError)) throw error;
      }
    }
    return embedCardInPngParts(defaultAvatarPng(), card);
  }
}
