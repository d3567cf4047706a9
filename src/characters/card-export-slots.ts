import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ConcurrencyLimit } from '../common/concurrency-limit.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';

/** What a refused export is told to wait, in seconds: exports take moments, unless stalled. */
export const EXPORT_RETRY_AFTER_SECONDS = 5;

/**
 * The card exports this instance writes at once (CARD_EXPORT_CONCURRENCY). A slot is held
 * until its response is finished or its connection gone, so clients that never read hold at
 * most this many bodies in memory; beyond it an export answers 503 with Retry-After.
 */
@Injectable()
export class CardExportSlots {
  private readonly limit: ConcurrencyLimit;

  constructor(@InjectConfig() config: AppConfig) {
    this.limit = new ConcurrencyLimit(config.cards.exportConcurrency);
  }

  /** Takes a slot for this response, released when it closes; 503 when none is free. */
  take(res: Response): void {
    const release = this.limit.tryAcquire();
    if (!release) {
      res.setHeader('Retry-After', EXPORT_RETRY_AFTER_SECONDS);
      throw new ServiceUnavailableException('Too many card exports in progress, retry shortly');
    }
    // 'close' comes once, after the last byte was handed over or when the client went away.
    res.once('close', release);
  }
}
