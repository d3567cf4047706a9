import { BadRequestException } from '@nestjs/common';
import type { SseSource } from '../../common/http/sse.js';
import type { ChatKind } from '../entities/chat.entity.js';
import type { ReplyEvent } from './reply-event.js';

/** A resume point is a character count; nine digits is far past any reply's length. */
const EVENT_ID = /^\d{1,9}$/;

/**
 * Numbers a round's events for `Last-Event-ID`: an event's id is how many characters of reply
 * text the client has once it has that event (UTF-16 units, as JavaScript counts), plus one
 * for each reply outcome (`done`, `error`) of a group chat's round before it, so that every
 * event a client can stop after has an id of its own; a direct chat's one outcome, like a
 * group round's `end`, ends the stream and takes the id of the text before it. Counting
 * characters rather than events keeps ids true whatever the pieces: a replay cuts the text so
 * far differently from the live tokens, and a follower on another instance gets it in batches.
 * `after` (a resume point) drops what the client already has. A direct chat's events do not
 * name the character (there is one), as before group chats shared the engine. Every round source replays from
 * the first character, so counting what passes through is enough.
 */
/**
 * A direct chat's events as they have always been: one character speaks, so none of them
 * names it.
 */
function directShape(event: ReplyEvent): ReplyEvent {
  if (event.type !== 'done' && event.type !== 'error') return event;
  const { character_id: _speaker, ...rest } = event;
  return rest as ReplyEvent;
}

export function numberedReply(
  source: SseSource<ReplyEvent>,
  after = 0,
  kind: ChatKind = 'direct',
): SseSource<ReplyEvent> {
  return {
    subscribe: (send, end) => {
      let offset = 0;
      return source.subscribe((event) => {
        if (event.type === 'token') {
          const start = offset;
          offset += event.content.length;
          if (offset <= after) return;
          const content = start < after ? event.content.slice(after - start) : event.content;
          return send(
            kind === 'direct' ? ({ type: 'token', content } as ReplyEvent) : { ...event, content },
            String(offset),
          );
        }
        if (kind === 'direct') return send(directShape(event), String(offset));
        if (event.type !== 'end') {
          offset++;
          if (offset <= after) return;
        }
        send(event, String(offset));
      }, end);
    },
    close: () => source.close?.(),
  };
}

/** A round's events numbered from its start, for the client that started it. */
export const numberedRound = (round: SseSource<ReplyEvent> & { kind: ChatKind }) =>
  numberedReply(round, 0, round.kind);

/**
 * Where a re-attaching client left off: the `Last-Event-ID` header (EventSource sends it when
 * it reconnects, so it is newer than a `last_event_id` the URL was opened with), else the
 * query's; 0 (the whole reply) without either. 400 for anything but an id this API gave.
 */
export function resumePoint(header: string | undefined, query: string | undefined): number {
  const fromHeader = header !== undefined && header !== '';
  const value = fromHeader ? header : query;
  if (value === undefined || value === '') return 0;
  if (!EVENT_ID.test(value)) {
    throw new BadRequestException(
      `${fromHeader ? 'Last-Event-ID' : 'last_event_id'} must be the id of an event ` +
        'of this stream (a character count, at most 9 digits)',
    );
  }
  return Number(value);
}
