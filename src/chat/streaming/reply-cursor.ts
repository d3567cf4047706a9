import { BadRequestException } from '@nestjs/common';
import type { SseSource } from '../../common/http/sse.js';
import type { ReplyEvent } from './reply-event.js';

/** A resume point is a character count; nine digits is far past any reply's length. */
const EVENT_ID = /^\d{1,9}$/;

/**
 * Numbers a reply's events for `Last-Event-ID`: an event's id is how many characters of the
 * reply text the client has once it has that event (UTF-16 units, as JavaScript counts).
 * Counting characters rather than events keeps ids true whatever the pieces: a replay cuts
 * the text so far differently from the live tokens, and a follower on another instance gets
 * it in batches. `after` (a resume point) drops the text the client already has, so only
 * what follows it is sent. Every reply source replays from the first character, so counting
 * what passes through is enough.
 */
export function numberedReply(source: SseSource<ReplyEvent>, after = 0): SseSource<ReplyEvent> {
  return {
    subscribe: (send, end) => {
      let offset = 0;
      return source.subscribe((event) => {
        if (event.type !== 'token') return send(event, String(offset));
        const start = offset;
        offset += event.content.length;
        if (offset <= after) return;
        const content = start < after ? event.content.slice(after - start) : event.content;
        send({ type: 'token', content }, String(offset));
      }, end);
    },
    close: () => source.close?.(),
  };
}

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
