import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY } from './moderation-policy.js';
import { OutputScanner, type ScanVerdict } from './output-scanner.js';
import { RulesClassifier } from './rules/rules.classifier.js';

const rules = new RulesClassifier();
const scanner = (nsfw = true) => new OutputScanner(rules, DEFAULT_POLICY, nsfw);

/** Pushes text a few characters at a time, as tokens arrive; the verdicts of each push. */
const stream = (scan: OutputScanner, text: string) =>
  (text.match(/.{1,4}/gs) ?? []).map((token) => scan.push(token));

describe('output scanner', () => {
  it('checks on sentence boundaries, not per token, a few sentences at a time', () => {
    const scan = scanner();
    expect(scan.push('The storm')).toBe('ok');
    expect(scan.safeLength).toBe(0);
    // The first sentence is read once it ends (the reply's first words wait for no more).
    scan.push(' is close. She');
    expect(scan.safeLength).toBe('The storm is close.'.length);
    // The next short one waits for more before it is read.
    scan.push(' nods. He');
    expect(scan.safeLength).toBe('The storm is close.'.length);
    const more =
      ' waits by the lamp while the waves climb the black rocks and the gulls go quiet over the grey bay of the old town. The';
    scan.push(more);
    const text = `The storm is close. She nods. He${more}`;
    expect(scan.safeLength).toBe(text.lastIndexOf('.') + 1);
  });

  it('stops at the sentences that make a minor sexual, keeping what passed before', () => {
    const scan = scanner();
    const clean =
      'They met at the old inn by the harbour, where the fishermen drink and the fire never goes out. ' +
      'The keeper poured them tea and told stories of the storm that sank the mail boat. ';
    const text = `${clean}She said she is 14 years old. Then they had sex. More words follow here.`;
    const verdicts = stream(scan, text);
    expect(verdicts.at(-1)).toBe('hard');
    const kept = text.slice(0, scan.safeLength);
    expect(kept.length).toBeGreaterThan(0);
    expect(clean.startsWith(kept)).toBe(true);
    expect(kept.trimEnd().endsWith('.')).toBe(true);
    expect(scan.flush().verdict).toBe('hard');
    expect(scan.push('anything')).toBe('hard');
  });

  it('joins a minor and a sexual term across neighbouring sentences', () => {
    const scan = scanner(false);
    stream(scan, 'The little girl smiled. ');
    stream(scan, 'Then sex. ');
    expect(scan.flush().verdict).toBe('hard');
  });

  it('collects softer hits for review, and checks the tail without a sentence end', () => {
    const scan = scanner(false);
    stream(scan, 'He described the gore: a severed head, the entrails');
    const result = scan.flush();
    expect(result.verdict).toBe('ok');
    expect(result.hits.map((hit) => hit.category)).toEqual(['violence_graphic']);
    expect(scan.safeLength).toBe('He described the gore: a severed head, the entrails'.length);
  });

  it('reports each category it finds once per reply, soft and hard, and each check', () => {
    const hits: string[] = [];
    const checks: ScanVerdict[] = [];
    const scan = new OutputScanner(rules, DEFAULT_POLICY, false, {
      checked: (verdict) => checks.push(verdict),
      hit: (hit) => hits.push(`${hit.category}:${hit.source}`),
    });
    stream(scan, 'He described the gore: a severed head, the entrails on the stones. ');
    stream(scan, 'More gore: a severed head, the entrails of a horse on the stones, and worse. ');
    expect(hits).toEqual(['violence_graphic:rules']);
    stream(scan, 'The little girl smiled. Then sex. And more words.');
    expect(scan.flush().verdict).toBe('hard');
    // Read as SFW text: the sexual term is a hit of its own.
    expect(hits).toEqual(['violence_graphic:rules', 'sexual:rules', 'minors_sexual:rules']);
    expect(checks.at(-1)).toBe('hard');
    expect(checks.slice(0, -1).every((verdict) => verdict === 'ok')).toBe(true);
  });

  it('checks a long run without punctuation before it grows unbounded', () => {
    const scan = scanner();
    const words = 'and then the child '.repeat(30) + 'had sex ';
    const verdicts = stream(scan, words + 'and '.repeat(200));
    expect(verdicts).toContain('hard');
  });
});
