import { Module } from '@nestjs/common';
import { PromptBuilderService } from './prompt/prompt-builder.service.js';
import { PromptTemplatesService } from './prompt/prompt-templates.service.js';

/** Chats, messages, streaming replies and the prompts behind them. */
@Module({
  providers: [PromptTemplatesService, PromptBuilderService],
  exports: [PromptTemplatesService, PromptBuilderService],
})
export class ChatModule {}
