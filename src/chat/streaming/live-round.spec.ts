import { describe, expect, it } from '@jest/globals';
import { MAX_DELTA_CHARS } from '../../llm/output/text-pieces.js';
import { LiveRound } from './live-round.js';
import type { ReplyEvent } from './reply-event.js';

const CHARACTER = 'c1';
const token = (content: string) => ({ type: 'token' as const, content, character_id: CHARACTER });

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

const follow = (reply: LiveRound) => {
  const events: ReplyEvent[] = [];
  let ended = false;
  const unsubscribe = reply.subscribe(
    (event) => events.push(event),
    () => (ended = true),
  );
  return { events, ended: () => ended, unsubscribe };
};

describe('LiveRound', () => {
  it('replays the text so far in one event, then passes on each piece', () => {
    const reply = direct();
    reply.append('Hel');
    reply.append('lo');
    const late = follow(reply);
    reply.append('!');
    expect(late.events).toEqual([token('Hello'), token('!')]);
    expect(reply.content).toBe('Hello!');
  });

  it('replays long text in events of MAX_DELTA_CHARS at most', () => {
    const reply = direct();
    const text = 'é'.repeat(MAX_DELTA_CHARS * 2 + 5);
    reply.append(text);
    const late = follow(reply);
    const contents = late.events.map((event) => (event.type === 'token' ? event.content : ''));
    expect(contents.map((content) => content.length)).toEqual([
      MAX_DELTA_CHARS,
      MAX_DELTA_CHARS,
      5,
    ]);
    expect(contents.join('')).toBe(text);
  });

  it('ends every follower with the outcome, and answers later ones at once', async () => {
    const reply = direct();
    const early = follow(reply);
    reply.append('Hi');
    const outcome = {
      type: 'done',
      message_id: 2,
      user_message_id: 1,
      character_id: CHARACTER,
    } as const;
    finish(reply, outcome);
    expect(early.events.at(-1)).toEqual(outcome);
    expect(early.ended()).toBe(true);
    const late = follow(reply);
    expect(late.events).toEqual([token('Hi'), outcome]);
    expect(late.ended()).toBe(true);
    await expect(reply.settled).resolves.toEqual({ stopped: false, message_id: 2 });
  });

  it('goes on without followers who left', () => {
    const reply = direct();
    const gone = follow(reply);
    gone.unsubscribe();
    reply.append('more');
    expect(gone.events).toEqual([]);
    expect(reply.content).toBe('more');
  });

  it('aborts its signal when stopped, with the reason, but not once finished', () => {
    const reply = direct();
    reply.stop('user');
    expect(reply.signal.aborted).toBe(true);
    expect(reply.stopReason).toBe('user');
    const finished = direct();
    finish(finished, { type: 'error', message: 'x' });
    finished.stop('shutdown');
    expect(finished.stopReason).toBeUndefined();
  });

  it("replays a group round's speakers in turn, each reply's outcome, then the end", async () => {
    const round = new LiveRound('chat', 'group');
    round.speak('mira');
    round.append('Hi');
    round.conclude({ type: 'done', message_id: 2, user_message_id: 1, character_id: 'mira' });
    round.speak('bram');
    round.append('Yo');
    round.stop('user');
    const late = follow(round);
    round.conclude({
      type: 'done',
      message_id: 3,
      user_message_id: 1,
      character_id: 'bram',
      stopped: true,
    });
    round.finish({ type: 'end', user_message_id: 1 });
    expect(
      late.events.map((event) => [event.type, 'character_id' in event ? event.character_id : null]),
    ).toEqual([
      ['token', 'mira'],
      ['done', 'mira'],
      ['token', 'bram'],
      ['done', 'bram'],
      ['end', null],
    ]);
    expect(late.ended()).toBe(true);
    await expect(round.settled).resolves.toEqual({ stopped: true, message_id: 3 });
  });
});
