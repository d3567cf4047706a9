import { Injectable } from '@nestjs/common';
import { CatalogueMaintenanceService } from '../characters/catalogue-maintenance.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { ChatRepository } from './chat.repository.js';

/** Chats per delete statement; each takes its messages with it. */
const DELETE_BATCH = 500;

/**
 * Guest chats nobody came back to: deleted once idle for `guest_chat_retention_days` (a guest
 * session can be minted at will, so they would otherwise pile up), for the daily cleanup.
 */
@Injectable()
export class GuestChatRetentionService {
  constructor(
    private readonly chats: ChatRepository,
    private readonly settings: SettingsService,
    private readonly catalogue: CatalogueMaintenanceService,
  ) {}

  async deleteIdle(): Promise<{ chats: number; credits: number }> {
    const days = await this.settings.get('guest_chat_retention_days');
    const chats = await this.chats.deleteIdleGuestChats(days, DELETE_BATCH);
    const credits = await this.catalogue.deleteStaleGuestChatCredits(days, DELETE_BATCH);
    return { chats, credits };
  }
}
