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
import { defaultAvatarPng, embedCardInPng, extractCardFromPng } from './lib/png-card.js';
import { mayReadLorebook } from './lib/lorebook-access.js';

/** Our own fields travel in `data.extensions.<PLATFORM_KEY>` of SillyTavern cards. */
export const CARD_PLATFORM_KEY = 'sweetsin';

/** Largest card file accepted for import (a PNG's picture included). */
export const CARD_FILE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * An export, built in memory: a few MB at most (the card text is capped and stored avatars
 * are at most 1024 px), with CardExportSlots bounding how many are held at once.
 */
export interface ExportedCard {
  fileName: string;
  contentType: string;
  body: Buffer;
}

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
    return {
      fileName: `${character.slug}.${format}`,
      contentType: format === 'json' ? 'application/json; charset=utf-8' : 'image/png',
      body:
        format === 'json'
          ? Buffer.from(JSON.stringify(card, null, 2))
          : await this.pngWithCard(character.avatarUrl, card),
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
    card: Parameters<typeof embedCardInPng>[1],
  ): Promise<Buffer> {
    if (avatarUrl?.startsWith(AVATAR_URL_PREFIX) && avatarUrl.endsWith('.png')) {
      const data = await readFile(
        join(this.avatars.directory, avatarUrl.slice(AVATAR_URL_PREFIX.length)),
      ).catch(() => undefined);
      try {
        if (data) return embedCardInPng(data, card);
      } catch (error) {
        if (!(error instanceof CardError)) throw error;
      }
    }
    return embedCardInPng(defaultAvatarPng(), card);
  }
}
