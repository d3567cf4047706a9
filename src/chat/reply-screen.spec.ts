import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY } from '../moderation/moderation-policy.js';
import { OutputScanner } from '../moderation/output-scanner.js';
import { RulesClassifier } from '../moderation/rules/rules.classifier.js';
import { ReplyScreen } from './reply-screen.js';

const rules = new RulesClassifier();
const screen = (nsfw = false) => new ReplyScreen(new OutputScanner(rules, DEFAULT_POLICY, nsfw));

/** Pushes `text` a few characters at a time, as tokens arrive; what was let through. */
const streamed = (reply: ReplyScreen, text: string): string =>
  (text.match(/.{1,4}/gs) ?? []).map((token) => reply.push(token)).join('');

const CLEAN =
  'The keeper lit the lamp. Rain hammered the glass while the waves climbed the black rocks ' +
  'below, and the gulls went quiet over the bay. ';

describe('ReplyScreen', () => {
  it('lets a sentence through once it is checked, the first one as soon as it ends', () => {
    const reply = screen();
    expect(reply.push('The keeper')).toBe('');
    expect(reply.push(' lit the lamp.')).toBe('');
    // The sentence ends with the space after its full stop.
    expect(reply.push(' Rain')).toBe('The keeper lit the lamp.');
    const rest = streamed(reply, CLEAN.slice('The keeper lit the lamp. Rain'.length));
    expect(`The keeper lit the lamp.${rest}${reply.finish()}`).toBe(CLEAN);
    expect(reply.refused).toBe(false);
  });

  it('never lets the offending sentence through, nor anything after it', () => {
    const reply = screen();
    const text = `${CLEAN}She said she is 14 years old. Then they had sex. The night went on and on.`;
    const out = streamed(reply, text) + reply.finish();
    expect(reply.refused).toBe(true);
    expect(reply.cause?.category).toBe('minors_sexual');
    expect(CLEAN.startsWith(out)).toBe(true);
    expect(out).not.toMatch(/14|sex/);
    expect(reply.push(' more')).toBe('');
    expect(reply.finish()).toBe('');
  });

  it('checks the held tail when the reply ends, and keeps softer hits for review', () => {
    const reply = screen();
    const text = 'He described the gore: a severed head, the entrails';
    const out = streamed(reply, text);
    expect(out).toBe('');
    expect(reply.finish()).toBe(text);
    expect(reply.refused).toBe(false);
    expect(reply.hits.map((hit) => hit.category)).toEqual(['violence_graphic']);
  });

  it('refuses a forbidden tail found only when the reply ends', () => {
    const reply = screen();
    const out = streamed(reply, `${CLEAN}the child had sex`);
    expect(reply.finish()).toBe('');
    expect(reply.refused).toBe(true);
    expect(CLEAN.startsWith(out)).toBe(true);
  });
});
