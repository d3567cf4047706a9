import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { TIER_LIMITS } from '../auth/tiers.js';
import { MessageQuotaService } from '../auth/usage/message-quota.service.js';
import { CharactersService } from '../characters/characters.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { LlmRequestFailedError } from '../llm/llm.errors.js';
import { type LlmRequest, LlmService } from '../llm/llm.service.js';
import type { ChatMessage } from '../llm/llm.types.js';
import { type ChatCaller, tierOf } from './chat-caller.js';
import type { ChatWithMembers } from './chat-rows.js';
import { MessageRepository } from './message.repository.js';
import { ChatService } from './chat.service.js';
import { characterName } from './dto/chat.dto.js';
import { withChatSettings } from './dto/chat-settings.dto.js';
import type { GenerationOptionsDto, PersonaReplyResponseDto } from './dto/message.dto.js';
import { PromptTemplatesService } from './prompt/prompt-templates.service.js';
import { CONTEXT_TOKEN_BUDGET, fitHistory } from './reply-context.service.js';
import { ReplyRouting } from './reply-routing.service.js';
import { replyErrorMessage } from './reply-errors.js';
import { stripGameTags } from './storytelling/dice.js';
import { estimateTokens } from './storytelling/lorebook.js';
import { buildPersonaReplyPrompt } from './storytelling/persona-reply.js';

/**
 * Persona ghostwriting: the model writes the user's next message as their persona. Nothing is
 * saved, but the call takes a message from the daily limit like a reply does. Admins have it
 * whole (`generate-persona-reply`); everyone the `impersonate_min_tier` setting allows has it
 * streamed (ImpersonationService), from the same prompt.
 */
@Injectable()
export class PersonaReplyService {
  constructor(
    private readonly chats: ChatService,
    private readonly messages: MessageRepository,
    private readonly characters: CharactersService,
    private readonly templates: PromptTemplatesService,
    private readonly quota: MessageQuotaService,
    private readonly llm: LlmService,
    private readonly routing: ReplyRouting,
  ) {}

  async write(
    chatId: string,
    options: GenerationOptionsDto,
    user: AuthUser,
  ): Promise<PersonaReplyResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, { user });
    const request = await this.request(chat, options, { user });
    const ticket = await this.quota.consume({ user });
    try {
      const result = await this.llm.generate(request);
      return { content: result.content.trim() };
    } catch (error) {
      await this.quota.refund(ticket);
      // Only admins call this: they get the attempts' details, as in a reply's error event.
      if (error instanceof LlmRequestFailedError) {
        throw new ServiceUnavailableException(replyErrorMessage(error, true));
      }
      throw error;
    }
  }

  /**
   * What the model is sent to write the user's next line in `chat`: the persona prompt, the
   * history with the roles swapped, the lead's sampling (the request's options over the
   * chat's settings) and the route.
   */
  async request(
    chat: ChatWithMembers,
    options: GenerationOptionsDto,
    caller: ChatCaller,
  ): Promise<LlmRequest> {
    const tier = tierOf(caller);
    const sampling = withChatSettings(chat.settings, options);
    const [character, route, latest] = await Promise.all([
      this.characters.findVisible(chat.characterId, caller.user),
      this.routing.route(sampling.model, tier),
      this.messages.page(chat.id, TIER_LIMITS[tier].contextMessages),
    ]);
    const boundary = chat.summarizedThroughId === null ? 0 : Number(chat.summarizedThroughId);
    // The model plays the persona, so the roles swap: the character's lines are what it answers
    // and the user's own earlier lines are its style model. The history then ends on a user turn,
    // which every provider accepts (a trailing assistant turn some would merely continue).
    const history: ChatMessage[] = latest
      .filter((message) => Number(message.id) > boundary && message.role !== 'system')
      .reverse()
      .map((message) => ({
        role: message.role === 'user' ? 'assistant' : 'user',
        content: stripGameTags(message.content),
      }));
    const lang = chat.language;
    const instructions = buildPersonaReplyPrompt(
      { name: chat.personaName, description: chat.personaDescription },
      { name: characterName(character, lang) },
      lang,
    );
    const system = chat.summary?.trim()
      ? `${instructions}\n\n${await this.templates.get('summary', lang)}\n${chat.summary.trim()}`
      : instructions;
    const kept = fitHistory(history, CONTEXT_TOKEN_BUDGET - estimateTokens(system));
    return {
      messages: [{ role: 'system', content: system }, ...kept],
      provider: route.provider,
      providers: route.providers,
      config: {
        ...this.routing.sampling(character, sampling, tier, lang),
        ...(route.model ? { model: route.model } : {}),
      },
    };
  }
}
