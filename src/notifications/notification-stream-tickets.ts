import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { UsersService } from '../auth/users.service.js';
import {
  readStreamTicket,
  type SignedStreamTicket,
  signStreamTicket,
} from '../common/auth/stream-tickets.js';

/** The scope (`cht`) of a notification stream ticket; a chat ticket's is the chat's UUID. */
const NOTIFICATIONS_SCOPE = 'notifications';
const RENEW = 'POST /api/notifications/stream-ticket';

/**
 * Stream tickets (the shared `common/auth/stream-tickets.ts`) for GET
 * /api/notifications/stream: EventSource cannot send Authorization. A ticket names its user
 * and this stream, and lasts a minute.
 */
@Injectable()
export class NotificationStreamTickets {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

  /** `issuedAt` lets tests age it. */
  issue(userId: string, issuedAt = new Date()): Promise<SignedStreamTicket> {
    return signStreamTicket(
      this.jwt,
      { sub: `user:${userId}`, cht: NOTIFICATIONS_SCOPE },
      issuedAt,
    );
  }

  /**
   * The user a ticket stands for: 401 when it is forged, expired, another stream's, or the
   * account is disabled or deleted.
   */
  async redeem(ticket: string): Promise<string> {
    const claims = await readStreamTicket(this.jwt, ticket, RENEW);
    const userId = /^user:(.+)$/.exec(claims.sub)?.[1];
    const user =
      claims.cht === NOTIFICATIONS_SCOPE && userId ? await this.users.findById(userId) : null;
    if (!user || user.disabledAt || user.releasedAt) {
      throw new UnauthorizedException(`Not a notification stream ticket: ask for one (${RENEW})`);
    }
    return user.id;
  }
}
