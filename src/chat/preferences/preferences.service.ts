import { Injectable } from '@nestjs/common';
import { UsersService } from '../../auth/users.service.js';
import { PersonasService } from '../../characters/personas.service.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { DEFAULT_LANGUAGE } from '../../common/languages.js';
import { ChatSettingsService } from '../chat-settings.service.js';
import type { PreferencesDto, UpdatePreferencesDto } from './preferences.dto.js';
import { PreferencesRepository } from './preferences.repository.js';

/**
 * What a user's new chats start from: a model and a reply length (copied into a new chat's
 * settings), a language and a persona. The last two are the user's preferred language and
 * default persona, which the rest of the app already goes by: one place for each.
 */
@Injectable()
export class PreferencesService {
  constructor(
    private readonly preferences: PreferencesRepository,
    private readonly users: UsersService,
    private readonly personas: PersonasService,
    private readonly settings: ChatSettingsService,
  ) {}

  async get(user: AuthUser): Promise<PreferencesDto> {
    const [stored, profile, personas] = await Promise.all([
      this.preferences.find(user.id),
      this.users.findById(user.id),
      this.personas.list(user),
    ]);
    return {
      model: stored.model,
      max_tokens: stored.maxTokens,
      language: profile?.preferredLanguage ?? DEFAULT_LANGUAGE,
      default_persona_id: personas.find((persona) => persona.is_default)?.id ?? null,
    };
  }

  /** Everything is checked before anything changes: a refused field changes nothing. */
  async update(user: AuthUser, dto: UpdatePreferencesDto): Promise<PreferencesDto> {
    await Promise.all([
      this.settings.requireWithinTier(dto, user.tier),
      dto.default_persona_id && this.personas.findOwned(user.id, dto.default_persona_id),
    ]);
    await Promise.all([
      dto.model !== undefined || dto.max_tokens !== undefined
        ? this.preferences.update(user.id, { model: dto.model, maxTokens: dto.max_tokens })
        : null,
      dto.language && this.users.setPreferredLanguage(user.id, dto.language),
      dto.default_persona_id &&
        this.personas.update(user, dto.default_persona_id, { is_default: true }),
    ]);
    return this.get(user);
  }
}
