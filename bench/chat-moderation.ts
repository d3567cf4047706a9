// The output scan's cost per chat reply (issue #19), printed by `npm run bench:chat` next to
// the unmoderated path: the same tokens let through ReplyScreen (the rules on sentence
// boundaries, src/chat/reply-screen.ts), streaming or holding back, or appended as they come
// (no scan). In this process, no app: the app's reply path adds the same calls. Target:
// ≤ 0.5 ms CPU per reply. Also what holding text back until its sentence is checked
// (moderation_output_hold_back) costs the first visible token.
import { DEFAULT_POLICY } from '../src/moderation/moderation-policy.js';
import { OutputScanner } from '../src/moderation/output-scanner.js';
import { RulesClassifier } from '../src/moderation/rules/rules.classifier.js';
import { ReplyScreen } from '../src/chat/reply-screen.js';
import { fmt, printTable, smokeOr } from './lib.js';

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** Word-ish tokens with their leading space, as the fake upstream and most models send them. */
const tokensOf = (text: string): string[] => text.match(/\s*\S+/g) ?? [];

const REPLIES: Array<[string, string]> = [
  [
    'typical',
    'Mira looks up from the lamp. "Storm coming," she says, and pours you a cup of tea by the fire.',
  ],
  [
    'long, ~2 KB',
    'The keeper lights the lamp. Waves break on the rocks below! Does the ship see it? It turns away… '.repeat(
      21,
    ),
  ],
];

/** One reply through the path: its tokens appended, through the screen or not. */
function reply(tokens: string[], rules: RulesClassifier | null, holdBack = false): string {
  let text = '';
  if (!rules) {
    for (const token of tokens) text += token;
    return text;
  }
  const scanner = new OutputScanner(rules, DEFAULT_POLICY, false);
  const screen = new ReplyScreen(scanner, holdBack, (cleared) => (text += cleared));
  for (const token of tokens) if (!screen.push(token)) break;
  screen.finish();
  return text;
}

/** Tokens that arrive before the reply's first text is let through, when holding back. */
function heldBeforeFirst(tokens: string[], rules: RulesClassifier): number {
  let shown = false;
  const scanner = new OutputScanner(rules, DEFAULT_POLICY, false);
  const screen = new ReplyScreen(scanner, true, () => (shown = true));
  for (const [i, token] of tokens.entries()) {
    screen.push(token);
    if (shown) return i + 1;
  }
  return tokens.length;
}

export function printChatModerationCost(): void {
  const rules = new RulesClassifier();
  rules.classifySync('warm up', { nsfw: false });
  const rounds = smokeOr(5000, 10);
  const rows: Array<Array<string | number>> = [];
  const holdBack: Array<Array<string | number>> = [];
  for (const [name, text] of REPLIES) {
    const tokens = tokensOf(text);
    const whole = tokens.join('');
    for (let i = 0; i < Math.min(rounds, 500); i++) reply(tokens, rules);
    const cost = (withRules: RulesClassifier | null, holdBack = false) => {
      const start = process.cpuUsage();
      for (let i = 0; i < rounds; i++) {
        if (reply(tokens, withRules, holdBack) !== whole) {
          throw new Error('a clean reply was changed');
        }
      }
      return cpuMs(start) / rounds;
    };
    const plain = cost(null);
    const scanned = cost(rules);
    const held = cost(rules, true);
    rows.push([
      `${name} (${tokens.length} tokens)`,
      fmt(plain, 4),
      fmt(scanned, 4),
      fmt(held, 4),
      fmt(Math.max(scanned, held) - plain, 4),
      fmt((Math.max(scanned, held) - plain) / 0.5, 3),
    ]);
    const before = heldBeforeFirst(tokens, rules);
    holdBack.push([
      name,
      before,
      // At 50 tokens a second, a common streaming pace.
      `${fmt((before - 1) * 20, 0)} ms`,
    ]);
  }
  printTable(
    `Output scan (moderation rules) per reply, CPU ms (${rounds} replies each)`,
    [
      'reply',
      'unmoderated',
      'scanned, streaming',
      'scanned, holding back',
      'added (the higher)',
      'of the 0.5 ms target',
    ],
    rows,
  );
  printTable(
    'moderation_output_hold_back on: tokens in before the first is shown (streaming: the first)',
    ['reply', 'tokens in before the first is shown', 'added to TTFT at 50 tokens/s'],
    holdBack,
  );
}
