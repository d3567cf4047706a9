// Every entity, for the migration CLI (`migration:generate` diffs them against the database).
// The app itself registers entities through each module's TypeOrmModule.forFeature.
import { AdminAuditEntity } from '../admin/entities/admin-audit.entity.js';
import { PasswordResetTokenEntity } from '../auth/entities/password-reset-token.entity.js';
import { UserEntity } from '../auth/entities/user.entity.js';
import { CharacterEntity } from '../characters/entities/character.entity.js';
import { FavoriteEntity } from '../characters/entities/favorite.entity.js';
import { PageViewEntity } from '../characters/entities/page-view.entity.js';
import { VoteEntity } from '../characters/entities/vote.entity.js';
import { PersonaEntity } from '../characters/entities/persona.entity.js';
import { CharacterRelationEntity } from '../characters/entities/relation.entity.js';
import { ReportEntity } from '../characters/entities/report.entity.js';
import { ChatGenerationEntity } from '../chat/entities/chat-generation.entity.js';
import { ChatEntity } from '../chat/entities/chat.entity.js';
import { MessageEntity } from '../chat/entities/message.entity.js';
import { ChatMemberEntity } from '../chat/entities/chat-member.entity.js';
import { UserPreferenceEntity } from '../chat/entities/user-preference.entity.js';
import { KeyValueEntity } from '../common/settings/key-value.entity.js';
import { LlmModelCooldownEntity } from '../llm/entities/llm-model-cooldown.entity.js';
import { LlmProviderBlockEntity } from '../llm/entities/llm-provider-block.entity.js';
import { ModerationFlagEntity } from '../moderation/entities/moderation-flag.entity.js';

export const entities: Function[] = [
  KeyValueEntity,
  UserEntity,
  PasswordResetTokenEntity,
  CharacterEntity,
  FavoriteEntity,
  VoteEntity,
  PersonaEntity,
  CharacterRelationEntity,
  ReportEntity,
  LlmProviderBlockEntity,
  LlmModelCooldownEntity,
  ChatEntity,
  MessageEntity,
  ChatGenerationEntity,
  ChatMemberEntity,
  UserPreferenceEntity,
  AdminAuditEntity,
  PageViewEntity,
  ModerationFlagEntity,
];
