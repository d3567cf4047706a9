import { Injectable } from '@nestjs/common';

/**
 * The time source of cooldowns and blocks. Injected so tests can move time forward
 * (`jest.spyOn(app.get(Clock), 'now')`) instead of waiting 15 minutes.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
