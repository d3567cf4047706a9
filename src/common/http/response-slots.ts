import { ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ConcurrencyLimit } from '../concurrency-limit.js';

/** What a refused download is told to wait, in seconds: downloads take moments, unless stalled. */
export const RESPONSE_SLOT_RETRY_AFTER_SECONDS = 5;

/**
 * At most `max` responses of one kind (a download that holds memory or a pooled connection
 * while its client reads) written at once by this instance; beyond it, 503 with Retry-After.
 * A slot is held until its response is finished or its connection gone, so a client that
 * never reads holds one slot until HTTP_SEND_IDLE_TIMEOUT_MS cuts it.
 */
export class ResponseSlots {
  private readonly limit: ConcurrencyLimit;

  /** `what`: the responses counted, plural, for the refusal ("card exports"). */
  constructor(
    max: number,
    private readonly what: string,
  ) {
    this.limit = new ConcurrencyLimit(max);
  }

  /** Takes a slot for this response, released when it closes; 503 when none is free. */
  take(res: Response): void {
    const release = this.limit.tryAcquire();
    if (!release) {
      res.setHeader('Retry-After', RESPONSE_SLOT_RETRY_AFTER_SECONDS);
      throw new ServiceUnavailableException(`Too many ${this.what} in progress, retry shortly`);
    }
    // 'close' comes once, after the last byte was handed over or when the client went away.
    res.once('close', release);
  }
}
