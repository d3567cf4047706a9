import { Injectable } from '@nestjs/common';
import { CharactersService } from '../characters/characters.service.js';
import type { CharacterResponseDto } from '../characters/dto/character-response.dto.js';
import type { CharacterEntity } from '../characters/entities/character.entity.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditService } from './audit.service.js';
import type { ReinstateCharacterDto } from './dto/reinstate.dto.js';

/** What the audit trail keeps of a character's moderation state. */
interface ModerationState {
  is_public: boolean;
  taken_down_at: string | null;
  takedown_reason: string | null;
}

const stateOf = (character: CharacterEntity): ModerationState => ({
  is_public: character.isPublic,
  taken_down_at: character.takenDownAt?.toISOString() ?? null,
  takedown_reason: character.takedownReason,
});

/** Moderation of characters themselves (the reports that lead to takedowns: AdminReports). */
@Injectable()
export class AdminCharactersService {
  constructor(
    private readonly characters: CharactersService,
    private readonly audit: AuditService,
  ) {}

  /** `id` must be a UUID. */
  async reinstate(
    actor: AuthUser,
    id: string,
    dto: ReinstateCharacterDto,
  ): Promise<CharacterResponseDto> {
    const { before, after, response } = await this.characters.reinstate(
      id,
      actor,
      dto.publish ?? true,
    );
    await this.audit.record(
      actor,
      'character.reinstate',
      `character:${id}`,
      stateOf(before),
      stateOf(after),
    );
    return response;
  }
}
