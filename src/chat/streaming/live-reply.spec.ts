import { describe, expect, it } from '@jest/globals';
import { MAX_DELTA_CHARS } from '../../llm/output/text-pieces.js';
import { LiveReply } from './live-reply.js';
import type { ReplyEvent } from './reply-event.js';

const follow = (reply: LiveReply) => {
  const events: ReplyEvent[] = [];
  let ended = false;
  const unsubscribe = reply.subscribe(
    (event) => events.push(event),
    () => (ended = true),
  );
  return { events, ended: () => ended, unsubscribe };
};

describe('LiveReply', () => {
  it('replays the text so far in one event, then passes on each piece', () => {
    const reply = new LiveReply('chat');
    reply.append('Hel');
    reply.append('lo');
    const late = follow(reply);
    reply.append('!');
    expect(late.events).toEqual([
      { type: 'token', content: 'Hello' },
      { type: 'token', content: '!' },
    ]);
    expect(reply.content).toBe('Hello!');
  });

  it('replays long text in events of MAX_DELTA_CHARS at most', () => {
    const reply = new LiveReply('chat');
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
    const reply = new LiveReply('chat');
    const early = follow(reply);
    reply.append('Hi');
    const outcome = { type: 'done', message_id: 2, user_message_id: 1 } as const;
    reply.finish(outcome);
    expect(early.events.at(-1)).toEqual(outcome);
    expect(early.ended()).toBe(true);
    const late = follow(reply);
    expect(late.events).toEqual([{ type: 'token', content: 'Hi' }, outcome]);
    expect(late.ended()).toBe(true);
    await expect(reply.settled).resolves.toEqual(outcome);
  });

  it('goes on without followers who left', () => {
    const reply = new LiveReply('chat');
    const gone = follow(reply);
    gone.unsubscribe();
    reply.append('more');
    expect(gone.events).toEqual([]);
    expect(reply.content).toBe('more');
  });

  it('aborts its signal when stopped, with the reason, but not once finished', () => {
    const reply = new LiveReply('chat');
    reply.stop('user');
    expect(reply.signal.aborted).toBe(true);
    expect(reply.stopReason).toBe('user');
    const finished = new LiveReply('chat');
    finished.finish({ type: 'error', message: 'x' });
    finished.stop('shutdown');
    expect(finished.stopReason).toBeUndefined();
  });
});
