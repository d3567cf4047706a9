import { Injectable } from '@nestjs/common';

/**
 * The time source of cooldowns and blocks, and of notification batches, digests and proactive
 * messages (exported for them). Injected so tests can move time forward
 * (`jest.spyOn(app.get(Clock), 'now')`) instead of waiting 15 minutes, or days.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
