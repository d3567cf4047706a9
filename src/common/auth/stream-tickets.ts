import { UnauthorizedException } from '@nestjs/common';
import type { JwtService } from '@nestjs/jwt';

/**
 * Stream tickets: short-lived signed tokens that let a browser's EventSource, which cannot
 * send headers, open an SSE stream (`?ticket=…`). The one ticket mechanism: chat re-attach
 * (`chat/streaming/stream-tickets.ts`) and the notification stream sign and read them here,
 * each under its own scope. Signed with the app's JWT key under their own audience, so a
 * ticket is never a session and a session (or any other token) is never a ticket.
 */

/** The `aud` of stream tickets: access tokens carry none, so neither passes for the other. */
export const STREAM_TICKET_AUDIENCE = 'chat-stream';

/** A ticket is read once, when EventSource (re)connects: a minute is plenty and leaks little. */
export const STREAM_TICKET_TTL_SECONDS = 60;

export interface StreamTicketClaims {
  /** Who the ticket stands for (`user:<id>`, or a chat's `guest:<hash>`). */
  sub: string;
  /** What it opens: a chat id, or `notifications`. Checked by the redeemer. */
  cht: string;
}

export interface SignedStreamTicket {
  ticket: string;
  /** ISO time after which the ticket is refused. */
  expires_at: string;
}

const invalid = () => new UnauthorizedException('Invalid stream ticket');

/** Signs a ticket for `claims`; `issuedAt` lets tests age it. */
export async function signStreamTicket(
  jwt: JwtService,
  claims: StreamTicketClaims,
  issuedAt = new Date(),
): Promise<SignedStreamTicket> {
  const iat = Math.floor(issuedAt.getTime() / 1000);
  // jsonwebtoken counts expiresIn from the payload's iat.
  const ticket = await jwt.signAsync(
    { sub: claims.sub, cht: claims.cht, iat },
    { audience: STREAM_TICKET_AUDIENCE, expiresIn: STREAM_TICKET_TTL_SECONDS },
  );
  return {
    ticket,
    expires_at: new Date((iat + STREAM_TICKET_TTL_SECONDS) * 1000).toISOString(),
  };
}

/**
 * The claims of a ticket: 401 when it is forged, expired or not a stream ticket (`renew`
 * names the route that issues a new one). The caller checks the scope and the subject.
 */
export async function readStreamTicket(
  jwt: JwtService,
  ticket: string,
  renew: string,
): Promise<StreamTicketClaims> {
  let claims: Partial<StreamTicketClaims>;
  try {
    claims = await jwt.verifyAsync<StreamTicketClaims>(ticket, {
      audience: STREAM_TICKET_AUDIENCE,
    });
  } catch (error) {
    if ((error as Error).name === 'TokenExpiredError') {
      throw new UnauthorizedException(
        `This stream ticket has expired: ask for a new one (${renew})`,
      );
    }
    throw invalid();
  }
  if (typeof claims.sub !== 'string' || typeof claims.cht !== 'string') throw invalid();
  return { sub: claims.sub, cht: claims.cht };
}
