import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { CharactersModule } from '../characters/characters.module.js';
import { ProactiveController } from './proactive/proactive.controller.js';
import { ProactiveMessagesService } from './proactive/proactive-messages.service.js';
import { ProactiveRepository } from './proactive/proactive.repository.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { EmbeddingsService } from '../llm/embeddings/embeddings.service.js';
import { LlmModule } from '../llm/llm.module.js';
import { ModerationModule } from '../moderation/moderation.module.js';
import { ChatModeration } from './chat-moderation.service.js';
import { ChatSummarizer } from './chat-summarizer.service.js';
import { ChatController } from './chat.controller.js';
import { ChatControlsRepository } from './chat-controls.repository.js';
import { ChatMembersService } from './chat-members.service.js';
import { ChatSettingsController } from './chat-settings.controller.js';
import { ChatSettingsService } from './chat-settings.service.js';
import { ImpersonationService } from './impersonation.service.js';
import { CharacterMemoryController } from './memory/character-memory.controller.js';
import { CharacterMemoryRepository } from './memory/character-memory.repository.js';
import { CharacterMemoryService } from './memory/character-memory.service.js';
import { MemoryExtractor } from './memory/memory-extractor.service.js';
import { EmbeddingRerankRetriever, recallRetriever } from './memory/embedding-rerank-retriever.js';
import { FullTextRetriever } from './memory/full-text-retriever.js';
import { MessageEmbedder } from './memory/message-embedder.service.js';
import { MessageEmbeddingRepository } from './memory/message-embedding.repository.js';
import { RETRIEVER } from './memory/retriever.js';
import { ChatMemoryController } from './memory/chat-memory.controller.js';
import { ChatMemoryRepository } from './memory/chat-memory.repository.js';
import { ChatMemoryService } from './memory/chat-memory.service.js';
import { PreferencesController } from './preferences/preferences.controller.js';
import { PreferencesRepository } from './preferences/preferences.repository.js';
import { PreferencesService } from './preferences/preferences.service.js';
import { ChatManagementController } from './chat-management.controller.js';
import { ChatSearchRepository } from './chat-search.repository.js';
import { ChatSearchService } from './chat-search.service.js';
import { ChatTransferRepository } from './chat-transfer.repository.js';
import { ChatTransferService } from './chat-transfer.service.js';
import { ChatExportSlots } from './chat-export-slots.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { GuestChatRetentionService } from './guest-chat-retention.service.js';
import { ChatGenerationEntity } from './entities/chat-generation.entity.js';
import { ChatEntity } from './entities/chat.entity.js';
import { MessageEntity } from './entities/message.entity.js';
import { GenerationRepository } from './generation.repository.js';
import { MessageRepository } from './message.repository.js';
import { MessageTreeRepository } from './message-tree.repository.js';
import { PersonaReplyService } from './persona-reply.service.js';
import { ChatMemberEntity } from './entities/chat-member.entity.js';
import { UserPreferenceEntity } from './entities/user-preference.entity.js';
import { GroupChatController } from './group/group-chat.controller.js';
import { PromptBuilderService } from './prompt/prompt-builder.service.js';
import { PromptTemplatesService } from './prompt/prompt-templates.service.js';
import { MemoryContextService } from './memory-context.service.js';
import { PromptTokens } from './prompt/prompt-tokens.js';
import { ReplyContextService } from './reply-context.service.js';
import { ReplyRouting } from './reply-routing.service.js';
import { ReplyService } from './reply.service.js';
import { ReplyWriter } from './reply-writer.js';
import { RoundCasting } from './round-casting.js';
import { RoundRunner } from './round-runner.js';
import { ChatSignals } from './streaming/chat-signals.js';
import { FollowerSlots } from './streaming/follower-slots.js';
import { ReplyRegistry } from './streaming/reply-registry.js';
import { StreamTicketService } from './streaming/stream-tickets.js';
import { StoryController } from './story.controller.js';
import { StoryRounds } from './story-rounds.js';
import { StoryService } from './story.service.js';
import { SignalsModule } from '../common/signals/pg-channels.service.js';

/**
 * Chats (direct and group), their messages, the rounds of replies streamed into them and the
 * prompts behind them; /api/group-chats survives as deprecated aliases. See README.md.
 */
@Module({
  imports: [
    AuthModule,
    CharactersModule,
    LlmModule,
    NotificationsModule,
    ModerationModule,
    SignalsModule,
    TypeOrmModule.forFeature([
      ChatEntity,
      MessageEntity,
      ChatGenerationEntity,
      ChatMemberEntity,
      UserPreferenceEntity,
    ]),
  ],
  // ChatManagementController first: its GET search must be matched before GET :id.
  controllers: [
    ChatManagementController,
    ChatController,
    // After ChatController: its PUT :id/messages/last before PUT :id/messages/:message_id.
    StoryController,
    GroupChatController,
    ChatSettingsController,
    ChatMemoryController,
    CharacterMemoryController,
    PreferencesController,
    ProactiveController,
  ],
  providers: [
    ChatModeration,
    ChatSearchRepository,
    ChatSearchService,
    ChatTransferRepository,
    ChatTransferService,
    ChatExportSlots,
    PromptTemplatesService,
    PromptBuilderService,
    ChatRepository,
    MessageRepository,
    GenerationRepository,
    MessageTreeRepository,
    ChatSignals,
    ReplyRegistry,
    FollowerSlots,
    StreamTicketService,
    PromptTokens,
    MemoryContextService,
    ReplyContextService,
    ReplyRouting,
    ChatService,
    ReplyWriter,
    RoundCasting,
    RoundRunner,
    ReplyService,
    StoryRounds,
    StoryService,
    ChatSummarizer,
    PersonaReplyService,
    ImpersonationService,
    ChatControlsRepository,
    ChatSettingsService,
    ChatMembersService,
    PreferencesRepository,
    PreferencesService,
    GuestChatRetentionService,
    ProactiveRepository,
    ProactiveMessagesService,
    ChatMemoryRepository,
    ChatMemoryService,
    CharacterMemoryRepository,
    CharacterMemoryService,
    MemoryExtractor,
    FullTextRetriever,
    MessageEmbeddingRepository,
    MessageEmbedder,
    EmbeddingRerankRetriever,
    // Chosen at start-up: full text, re-ranked by embeddings when EMBEDDINGS_* configure them.
    {
      provide: RETRIEVER,
      inject: [EmbeddingsService, FullTextRetriever, EmbeddingRerankRetriever],
      useFactory: recallRetriever,
    },
  ],
  exports: [
    PromptTemplatesService,
    PromptBuilderService,
    ChatService,
    GuestChatRetentionService,
    ProactiveMessagesService,
    // The recall mode, for the admins (GET /api/admin/memory-status).
    RETRIEVER,
  ],
})
export class ChatModule {}
