import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { PLATFORM_EMAIL } from '../auth/system-accounts.js';
import { UsersService } from '../auth/users.service.js';
import { LANGUAGES } from '../common/languages.js';
import { describeError } from '../common/lifecycle/describe-error.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { AvatarStorage } from './avatar-storage.js';
import { searchText } from './characters.service.js';
import type { CharacterEntity } from './entities/character.entity.js';
import { renderStarterAvatar } from './starter/starter-avatars.js';
import { STARTER_CHARACTERS } from './starter/starter-characters.data.js';
import { type SeedOutcome, StarterCharactersRepository } from './starter-characters.repository.js';

/**
 * A fresh install has something to chat with: on start-up, a catalogue that never had a
 * character gets the starters (public, with avatars, in all seven languages, owned by the
 * platform account), unless SEED_STARTER_CHARACTERS=false. They are ordinary characters
 * afterwards: admins edit or delete them through the usual routes.
 */
@Injectable()
export class StarterCharactersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StarterCharactersService.name);

  constructor(
    private readonly repository: StarterCharactersRepository,
    private readonly users: UsersService,
    private readonly avatars: AvatarStorage,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.starters.seed) return;
    // A catalogue without starters still serves: the failure is logged, start-up goes on.
    try {
      const outcome = await this.seed();
      if (outcome === 'seeded') {
        this.logger.log(`Added ${STARTER_CHARACTERS.length} starter characters`);
      }
    } catch (error) {
      this.logger.error(`Starter characters not added: ${describeError(error)}`);
    }
  }

  /** Adds the starters unless this database decided already; says what happened. */
  async seed(): Promise<SeedOutcome> {
    // The common case, every later start: one indexed read, no account or picture made.
    if (await this.repository.alreadyDecided()) return 'seeded-before';
    const owner = await this.users.ensureSystemUser(PLATFORM_EMAIL, this.config.site.name);
    const saved: string[] = [];
    try {
      return await this.repository.seedOnce(async () => {
        const rows: Array<Partial<CharacterEntity>> = [];
        for (const starter of STARTER_CHARACTERS) {
          const avatarUrl = await this.avatars.save(await renderStarterAvatar(starter.avatar));
          saved.push(avatarUrl);
          rows.push({
            ...starter.card,
            slug: starter.slug,
            ownerId: owner.id,
            isPublic: true,
            avatarUrl,
            contentRating: 'sfw',
            originalLanguage: 'en',
            translations: starter.translations,
            languages: [...LANGUAGES],
            searchText: searchText(starter.card),
          });
        }
        return rows;
      });
    } catch (error) {
      // The rows were rolled back: their pictures go too.
      await Promise.all(saved.map((url) => this.avatars.remove(url)));
      throw error;
    }
  }
}
