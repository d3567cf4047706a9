import { Injectable } from '@nestjs/common';
import { ResponseSlots } from '../common/http/response-slots.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';

/**
 * The chat files this instance writes at once (CHAT_EXPORT_CONCURRENCY): each holds a pooled
 * connection and a snapshot while its client downloads.
 */
@Injectable()
export class ChatExportSlots extends ResponseSlots {
  constructor(@InjectConfig() config: AppConfig) {
    super(config.chat.exportConcurrency, 'chat exports');
  }
}
