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
import {
  defaultAvatarPng,
  embedCardInPng,
  extractCardFromPng,
  readPngTextChunks,
} from './lib/png-card.js';
import { mayReadLorebook } from './lib/lorebook-access.js';

const isWellFormedPng = (data: Buffer): boolean => {
  try {
    readPngTextChunks(data);
    return true;
  } catch {
    return false;
  }
};

/** Our own fields travel in `data.extensions.<PLATFORM_KEY>` of SillyTavern cards. */
export const CARD_PLATFORM_KEY = 'sweetsin';

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
    if (format === 'json') {
      return {
        fileName: `${character.slug}.json`,
        contentType: 'application/json; charset=utf-8',
        body: Buffer.from(JSON.stringify(card, null, 2)),
      };
    }
    return {
      fileName: `${character.slug}.png`,
      contentType: 'image/png',
      body: embedCardInPng(await this.avatarPng(character.avatarUrl), card),
    };
  }

  /** Imports a card file (PNG or JSON) or a card sent as the JSON body into a private draft. */
  async import(
    file: Buffer | undefined,
    body: unknown,
    owner: AuthUser,
  ): Promise<CharacterResponseDto> {
    let fields;
    try {
      const card = file
        ? imageExtension(file) === 'png'
          ? extractCardFromPng(file)
          : parseCardJson(file)
        : parseCard(body);
      fields = cardToCharacterData(card, { platformKey: CARD_PLATFORM_KEY });
    } catch (error) {
      if (error instanceof CardError)
        throw new BadRequestException(`Invalid character card: ${error.message}`);
      throw error;
    }
    return this.characters.createDraft(fields, owner);
  }

  /** The character's own PNG avatar when it has one on this server, else a plain placeholder. */
  private async avatarPng(avatarUrl: string | null): Promise<Buffer> {
    if (avatarUrl?.startsWith(AVATAR_URL_PREFIX) && avatarUrl.endsWith('.png')) {
      const data = await readFile(
        join(this.avatars.directory, avatarUrl.slice(AVATAR_URL_PREFIX.length)),
      ).catch(() => undefined);
      if (data && isWellFormedPng(data)) return data;
    }
    return defaultAvatarPng();
  }
}
