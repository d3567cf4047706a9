import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY } from '../moderation/moderation-policy.js';
import { OutputScanner } from '../moderation/output-scanner.js';
import { RulesClassifier } from '../moderation/rules/rules.classifier.js';
import { ReplyScreen } from './reply-screen.js';

const rules = new RulesClassifier();

/** A screen and the deltas it let through. */
function screen(holdBack: boolean) {
  const out: string[] = [];
  const reply = new ReplyScreen(new OutputScanner(rules, DEFAULT_POLICY, false), holdBack, (text) =>
    out.push(text),
  );
  return { reply, out, text: () => out.join('') };
}

/** Word-ish tokens with their leading space, as models send them. */
const tokensOf = (text: string) => text.match(/\s*\S+\s*$|\s*\S+/g) ?? [];

const CLEAN =
  'The keeper lit the lamp. Rain hammered the glass while the waves climbed the black rocks ' +
  'below, and the gulls went quiet over the bay. ';
const FORBIDDEN = 'She was only 14 years old and they had sex on the bed. ';
const TAIL = 'The night went on and on. '.repeat(10);

describe('ReplyScreen, holding back', () => {
  it('lets deltas through whole once their text is checked, the first sentence as soon as it ends', () => {
    const { reply, out } = screen(true);
    expect(reply.push('The keeper')).toBe(true);
    reply.push(' lit the lamp.');
    expect(out).toEqual([]);
    // The sentence ends with the space after its full stop; its deltas go on as they came.
    reply.push(' Rain');
    expect(out).toEqual(['The keeper', ' lit the lamp.']);
    for (const token of tokensOf(CLEAN.slice('The keeper lit the lamp. Rain'.length))) {
      reply.push(token);
    }
    reply.finish();
    expect(out.join('')).toBe(CLEAN);
    expect(reply.refused).toBe(false);
  });

  it('never lets the offending sentence through, nor anything after it', () => {
    const { reply, text } = screen(true);
    const pushed = tokensOf(CLEAN + FORBIDDEN + TAIL).map((token) => reply.push(token));
    reply.finish();
    expect(pushed).toContain(false);
    expect(reply.refused).toBe(true);
    expect(reply.cause?.category).toBe('minors_sexual');
    expect(text().length).toBeGreaterThan(0);
    expect(CLEAN.startsWith(text())).toBe(true);
    expect(reply.push(' more')).toBe(false);
  });

  it('checks the held tail when the reply ends, and keeps softer hits for review', () => {
    const { reply, text } = screen(true);
    const gore = 'He described the gore: a severed head, the entrails';
    for (const token of tokensOf(gore)) reply.push(token);
    expect(text()).toBe('');
    reply.finish();
    expect(text()).toBe(gore);
    expect(reply.hits.map((hit) => hit.category)).toEqual(['violence_graphic']);
  });

  it('drops a forbidden tail found only when the reply ends', () => {
    const { reply, text } = screen(true);
    for (const token of tokensOf(`${CLEAN}the child had sex`)) reply.push(token);
    reply.finish();
    expect(reply.refused).toBe(true);
    expect(CLEAN.startsWith(text())).toBe(true);
  });
});

describe('ReplyScreen, streaming', () => {
  it('lets every delta through at once while the checks pass', () => {
    const { reply, out } = screen(false);
    reply.push('The keeper');
    expect(out).toEqual(['The keeper']);
    for (const token of tokensOf(CLEAN.slice('The keeper'.length))) reply.push(token);
    reply.finish();
    expect(out.join('')).toBe(CLEAN);
  });

  it('stops at the delta whose check is a hard hit, letting nothing through from it on', () => {
    const { reply, text } = screen(false);
    const tokens = tokensOf(CLEAN + FORBIDDEN + TAIL);
    const stoppedAt = tokens.findIndex((token) => !reply.push(token));
    expect(stoppedAt).toBeGreaterThan(0);
    expect(reply.refused).toBe(true);
    expect(text()).toBe(tokens.slice(0, stoppedAt).join(''));
    // What ended before the check (up to ~120 characters past the passage) went out; no more.
    expect(text().length).toBeLessThan((CLEAN + FORBIDDEN).length + 130);
  });
});
