import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { UsersService } from '../../auth/users.service.js';
import { readStreamTicket, signStreamTicket } from '../../common/auth/stream-tickets.js';
import { sha256Hex } from '../../common/hash.js';
import type { ChatCaller } from '../chat-caller.js';
import { ChatRepository } from '../chat.repository.js';
import type { StreamTicketDto } from '../dto/stream.dto.js';

/**
 * `sub` of a chat ticket: `user:<id>`, or `guest:<SHA-256 of the guest session>` — the session
 * is a guest's lasting credential and the ticket travels in a URL (logs, history), so only
 * its hash goes in. `cht` is the one chat it opens.
 */
const ownerClaim = (caller: ChatCaller): string =>
  caller.user ? `user:${caller.user.id}` : `guest:${sha256Hex(caller.guestSession)}`;

const invalid = () => new UnauthorizedException('Invalid stream ticket');

/**
 * Short-lived signed tickets that let a browser's EventSource, which cannot send headers,
 * re-attach to a chat's reply (GET /api/chats/{id}/stream?ticket=…). A ticket names one chat
 * and its owner and lasts a minute; it is signed with the app's JWT key under its own
 * audience, so it is never a session and a session (or any other token) is never a ticket.
 * Signed and read by the shared `common/auth/stream-tickets.ts` (the notification stream too).
 */
@Injectable()
export class StreamTicketService {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly chats: ChatRepository,
  ) {}

  /** A ticket for `chatId`, whose ownership by `caller` was checked; `issuedAt` lets tests age it. */
  async issue(chatId: string, caller: ChatCaller, issuedAt = new Date()): Promise<StreamTicketDto> {
    return signStreamTicket(this.jwt, { sub: ownerClaim(caller), cht: chatId }, issuedAt);
  }

  /**
   * The caller a ticket stands for on `chatId`: 401 when it is forged, expired or not a
   * ticket, 403 when it is for another chat or its owner no longer owns the chat.
   */
  async redeem(chatId: string, ticket: string): Promise<ChatCaller> {
    const claims = await readStreamTicket(this.jwt, ticket, 'POST /api/chats/{id}/stream-ticket');
    if (claims.cht !== chatId) {
      throw new ForbiddenException(
        'This stream ticket is for another chat: ask for one for this chat',
      );
    }
    const [, kind, owner] = /^(user|guest):(.+)$/.exec(claims.sub) ?? [];
    if (kind === 'user') {
      const user = await this.users.findById(owner);
      if (!user || user.disabledAt) throw invalid();
      return { user: { id: user.id, email: user.email, role: user.role, tier: user.tier } };
    }
    if (kind !== 'guest') throw invalid();
    const session = (await this.chats.findById(chatId))?.chat.anonSessionId;
    if (!session || sha256Hex(session) !== owner) {
      throw new ForbiddenException(
        'The guest session this stream ticket was issued to no longer owns the chat',
      );
    }
    return { user: null, guestSession: session };
  }
}
