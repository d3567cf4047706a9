import { describe, expect, it } from '@jest/globals';
import { LiveRound } from './live-round.js';
import { numberedReply, resumePoint } from './reply-cursor.js';
import type { ReplyEvent } from './reply-event.js';

const CHARACTER = 'c1';
/** A direct chat's token as the client gets it: without the character (there is one). */
const token = (content: string) => ({ type: 'token' as const, content });

/** A direct chat's round, its one character speaking. */
const direct = (): LiveRound => {
  const round = new LiveRound('chat', 'direct');
  round.speak(CHARACTER);
  return round;
};

/** Ends a direct round with its reply's outcome. */
const finish = (round: LiveRound, outcome: Parameters<LiveRound['conclude']>[0]) => {
  round.conclude(outcome);
  round.finish(null);
};

const done: ReplyEvent = {
  type: 'done',
  message_id: 7,
  user_message_id: 6,
  character_id: CHARACTER,
};
/** `done` as a direct chat's client gets it. */
const shown: ReplyEvent = { type: 'done', message_id: 7, user_message_id: 6 } as ReplyEvent;

/** Every event a fresh subscriber of `reply` resumed at `after` gets, with its id. */
function collect(reply: LiveRound, after?: number): Array<[ReplyEvent, string | undefined]> {
  const events: Array<[ReplyEvent, string | undefined]> = [];
  numberedReply(reply, after).subscribe(
    (event, id) => events.push([event, id]),
    () => undefined,
  );
  return events;
}

describe('numberedReply', () => {
  it('gives every event the count of characters the client has with it', () => {
    const reply = direct();
    const events = collect(reply);
    reply.append('Hel');
    reply.append('lo, ');
    reply.append('you');
    finish(reply, done);
    expect(events).toEqual([
      [token('Hel'), '3'],
      [token('lo, '), '7'],
      [token('you'), '10'],
      [shown, '10'],
    ]);
  });

  it('resumes inside the replay and inside a live token without repeating a character', () => {
    const reply = direct();
    reply.append('Hello, ');
    const fromReplay = collect(reply, 3);
    const fromLive = collect(reply, 9);
    reply.append('world');
    finish(reply, done);
    expect(fromReplay).toEqual([
      [token('lo, '), '7'],
      [token('world'), '12'],
      [shown, '12'],
    ]);
    expect(fromLive).toEqual([
      [token('rld'), '12'],
      [shown, '12'],
    ]);
  });

  it('numbers a replay cut in pieces by where each piece ends', () => {
    const reply = direct();
    const text = 'x'.repeat(40_000);
    reply.append(text);
    finish(reply, done);
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
    const reply = direct();
    reply.append('abc');
    finish(reply, done);
    expect(collect(reply, 3)).toEqual([[shown, '3']]);
    expect(collect(reply, 999)).toEqual([[shown, '3']]);
  });
});

describe('numberedReply in a group round', () => {
  const group = () => {
    const round = new LiveRound('chat', 'group');
    round.speak('mira');
    round.append('Hi');
    round.conclude({ type: 'done', message_id: 2, user_message_id: 1, character_id: 'mira' });
    round.speak('bram');
    round.append('Yo!');
    round.conclude({ type: 'done', message_id: 3, user_message_id: 1, character_id: 'bram' });
    round.finish({ type: 'end', user_message_id: 1 });
    return round;
  };
  const ids = (after?: number) => {
    const events: Array<[string, string | undefined]> = [];
    numberedReply(group(), after, 'group').subscribe(
      (event, id) => events.push([event.type === 'token' ? event.content : event.type, id]),
      () => undefined,
    );
    return events;
  };

  it('gives each reply outcome an id of its own, and the end the id before it', () => {
    expect(ids()).toEqual([
      ['Hi', '2'],
      ['done', '3'],
      ['Yo!', '6'],
      ['done', '7'],
      ['end', '7'],
    ]);
  });

  it('resumes after a token or an outcome without repeating or losing either', () => {
    expect(ids(2)).toEqual([
      ['done', '3'],
      ['Yo!', '6'],
      ['done', '7'],
      ['end', '7'],
    ]);
    expect(ids(3)).toEqual([
      ['Yo!', '6'],
      ['done', '7'],
      ['end', '7'],
    ]);
    expect(ids(4)).toEqual([
      ['o!', '6'],
      ['done', '7'],
      ['end', '7'],
    ]);
    expect(ids(7)).toEqual([['end', '7']]);
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
