import { BadRequestException, Injectable } from '@nestjs/common';
import { type LimitTier, TIER_LIMITS } from '../auth/tiers.js';
import { type ChatCaller, tierOf } from './chat-caller.js';
import { ChatControlsRepository } from './chat-controls.repository.js';
import { ChatService, chatNotFound } from './chat.service.js';
import {
  type ChatSettingsDto,
  type ChatSettingsResponseDto,
  toChatSettings,
  toChatSettingsResponse,
} from './dto/chat-settings.dto.js';
import type { GenerationOptionsDto } from './dto/message.dto.js';
import { ReplyRouting } from './reply-routing.service.js';

/**
 * A chat's own settings (model, sampling, reply length, author's note). Every reply of the chat
 * uses them, a request's own generation options over them (ReplyService); the author's note
 * goes into the prompt (ReplyContextService); a model is checked as a reply's route is
 * (ReplyRouting).
 */
@Injectable()
export class ChatSettingsService {
  constructor(
    private readonly chats: ChatService,
    private readonly controls: ChatControlsRepository,
    private readonly routing: ReplyRouting,
  ) {}

  async get(chatId: string, caller: ChatCaller): Promise<ChatSettingsResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    return toChatSettingsResponse(chat.settings);
  }

  /** Replaces them all: what the body leaves out is unset again. */
  async replace(
    chatId: string,
    dto: ChatSettingsDto,
    caller: ChatCaller,
  ): Promise<ChatSettingsResponseDto> {
    const { chat } = await this.chats.requireOwned(chatId, caller);
    await this.requireWithinTier(dto, tierOf(caller));
    const settings = toChatSettings(dto);
    if (!(await this.controls.saveSettings(chat.id, settings))) throw chatNotFound();
    return toChatSettingsResponse(settings);
  }

  /**
   * A model and reply length the tier may use, checked as a request naming them is: a model
   * off the tier's allowlist or a provider the cost mode closes is refused (400, 403), and a
   * reply length past the tier's ceiling too (a request's own is capped silently; a stored one
   * would only mislead). Checked again at each reply, as a tier or the settings may change.
   */
  async requireWithinTier(
    options: Pick<GenerationOptionsDto, 'model' | 'max_tokens'>,
    tier: LimitTier,
  ): Promise<void> {
    const ceiling = TIER_LIMITS[tier].maxTokens;
    if (options.max_tokens !== undefined && options.max_tokens !== null) {
      if (options.max_tokens > ceiling) {
        throw new BadRequestException(
          `max_tokens must be at most ${ceiling} on the ${tier === 'anon' ? 'guest' : tier} tier`,
        );
      }
    }
    await this.routing.route(options.model ?? undefined, tier);
  }
}
