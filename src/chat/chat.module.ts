import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { CharactersModule } from '../characters/characters.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { ChatController } from './chat.controller.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { ChatGenerationEntity } from './entities/chat-generation.entity.js';
import { ChatEntity } from './entities/chat.entity.js';
import { MessageEntity } from './entities/message.entity.js';
import { GenerationRepository } from './generation.repository.js';
import { PromptBuilderService } from './prompt/prompt-builder.service.js';
import { PromptTemplatesService } from './prompt/prompt-templates.service.js';
import { ReplyContextService } from './reply-context.service.js';
import { ReplyService } from './reply.service.js';
import { ChatSignals } from './streaming/chat-signals.js';
import { ReplyRegistry } from './streaming/reply-registry.js';

/** Chats, messages, streaming replies and the prompts behind them. */
@Module({
  imports: [
    AuthModule,
    CharactersModule,
    LlmModule,
    TypeOrmModule.forFeature([ChatEntity, MessageEntity, ChatGenerationEntity]),
  ],
  controllers: [ChatController],
  providers: [
    PromptTemplatesService,
    PromptBuilderService,
    ChatRepository,
    GenerationRepository,
    ChatSignals,
    ReplyRegistry,
    ReplyContextService,
    ChatService,
    ReplyService,
  ],
  exports: [PromptTemplatesService, PromptBuilderService, ChatService],
})
export class ChatModule {}
