import { Injectable } from '@nestjs/common';
import { ResponseSlots } from '../common/http/response-slots.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';

/** The card exports this instance writes at once (CARD_EXPORT_CONCURRENCY). */
@Injectable()
export class CardExportSlots extends ResponseSlots {
  constructor(@InjectConfig() config: AppConfig) {
    super(config.cards.exportConcurrency, 'card exports');
  }
}
