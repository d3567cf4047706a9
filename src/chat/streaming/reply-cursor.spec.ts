import { describe, expect, it } from '@jest/globals';
import { LiveReply } from './live-reply.js';
import { numberedReply, resumePoint } from './reply-cursor.js';
import type { ReplyEvent } from './reply-event.js';

const done: ReplyEvent = { type: 'done', message_id: 7, user_message_id: 6 };

/** Every event a fresh subscriber of `reply` resumed at `after` gets, with its id. */
function collect(reply: LiveReply, after?: number): Array<[ReplyEvent, string | undefined]> {
  const events: Array<[ReplyEvent, string | undefined]> = [];
  numberedReply(reply, after).subscribe(
    (event, id) => events.push([event, id]),
    () => undefined,
  );
  return events;
}

describe('numberedReply', () => {
  it('gives every event the count of characters the client has with it', () => {
    const reply = new LiveReply('chat');
    const events = collect(reply);
    reply.append('Hel');
    reply.append('lo, ');
    reply.append('you');
    reply.finish(done);
    expect(events).toEqual([
      [{ type: 'token', content: 'Hel' }, '3'],
      [{ type: 'token', content: 'lo, ' }, '7'],
      [{ type: 'token', content: 'you' }, '10'],
      [done, '10'],
    ]);
  });

  it('resumes inside the replay and inside a live token without repeating a character', () => {
    const reply = new LiveReply('chat');
    reply.append('Hello, ');
    const fromReplay = collect(reply, 3);
    const fromLive = collect(reply, 9);
    reply.append('world');
    reply.finish(done);
    expect(fromReplay).toEqual([
      [{ type: 'token', content: 'lo, ' }, '7'],
      [{ type: 'token', content: 'world' }, '12'],
      [done, '12'],
    ]);
    expect(fromLive).toEqual([
      [{ type: 'token', content: 'rld' }, '12'],
      [done, '12'],
    ]);
  });

  it('numbers a replay cut in pieces by where each piece ends', () => {
    const reply = new LiveReply('chat');
    const text = 'x'.repeat(40_000);
    reply.append(text);
    reply.finish(done);
    const ids = collect(reply).map(([, id]) => Number(id));
    expect(ids.length).toBeGreaterThan(2);
    expect(ids.at(-1)).toBe(text.length);
    // Resumed at every id: only what comes after it, whatever the pieces.
    for (const id of ids) {
      const rest = collect(reply, id)
        .map(([event]) => (event.type === 'token' ? event.content : ''))
        .join('');
      expect(rest).toBe(text.slice(id));
    }
  });

  it('sends only the outcome to a client that has the whole reply', () => {
    const reply = new LiveReply('chat');
    reply.append('abc');
    reply.finish(done);
    expect(collect(reply, 3)).toEqual([[done, '3']]);
    expect(collect(reply, 999)).toEqual([[done, '3']]);
  });
});

describe('resumePoint', () => {
  it('takes the header over the query, and 0 without either', () => {
    expect(resumePoint(undefined, undefined)).toBe(0);
    expect(resumePoint('', undefined)).toBe(0);
    expect(resumePoint(undefined, '12')).toBe(12);
    expect(resumePoint('40', '12')).toBe(40);
    expect(resumePoint('', '12')).toBe(12);
  });

  it.each(['-1', '1.5', 'abc', '1e3', ' 4', '1234567890', 'x'.repeat(10_000)])(
    'refuses %j with a 400 naming where it came from',
    (value) => {
      expect(() => resumePoint(value, undefined)).toThrow(/Last-Event-ID must be/);
      expect(() => resumePoint(undefined, value)).toThrow(/last_event_id must be/);
    },
  );
});
