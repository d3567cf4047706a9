import { Injectable } from '@nestjs/common';

/**
 * The time source of violation scores, bans and sign-in backoff. Injected so tests can move
 * time forward (`jest.spyOn(app.get(PenaltyClock), 'now')`) through a 7-day ban instead of
 * waiting for it; times go to the database as parameters, never as its own now().
 */
@Injectable()
export class PenaltyClock {
  now(): number {
    return Date.now();
  }
}
