// The output scan's cost per chat reply (issue #19), printed by `npm run bench:chat` next to
// the unmoderated path: the same tokens let through ReplyScreen (the rules on sentence
// boundaries, src/chat/reply-screen.ts) or appended as they come (no scan). In this process,
// no app: the app's reply path adds the same calls. Target: ≤ 0.5 ms CPU per reply. Also what
// holding text back until its sentence is checked costs the first visible token.
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
function reply(tokens: string[], rules: RulesClassifier | null): string {
  let text = '';
  if (!rules) {
    for (const token of tokens) text += token;
    return text;
  }
  const screen = new ReplyScreen(new OutputScanner(rules, DEFAULT_POLICY, false));
  for (const token of tokens) {
    const cleared = screen.push(token);
    if (cleared) text += cleared;
  }
  return text + screen.finish();
}

/** Tokens that arrive before the reply's first text is let through. */
function heldBeforeFirst(tokens: string[], rules: RulesClassifier): number {
  const screen = new ReplyScreen(new OutputScanner(rules, DEFAULT_POLICY, false));
  for (const [i, token] of tokens.entries()) if (screen.push(token)) return i + 1;
  return tokens.length;
}

export function printChatModerationCost(): void {
  const rules = new RulesClassifier();
  rules.classifySync('warm up', { nsfw: false });
  const rounds = smokeOr(5000, 10);
  const rows: Array<Array<string | number>> = [];
  const held: Array<Array<string | number>> = [];
  for (const [name, text] of REPLIES) {
    const tokens = tokensOf(text);
    const whole = tokens.join('');
    for (let i = 0; i < Math.min(rounds, 500); i++) reply(tokens, rules);
    const cost = (withRules: RulesClassifier | null) => {
      const start = process.cpuUsage();
      for (let i = 0; i < rounds; i++) {
        if (reply(tokens, withRules) !== whole) throw new Error('a clean reply was changed');
      }
      return cpuMs(start) / rounds;
    };
    const plain = cost(null);
    const scanned = cost(rules);
    rows.push([
      `${name} (${tokens.length} tokens)`,
      fmt(plain, 4),
      fmt(scanned, 4),
      fmt(scanned - plain, 4),
      fmt((scanned - plain) / 0.5, 3),
    ]);
    const before = heldBeforeFirst(tokens, rules);
    held.push([
      name,
      before,
      // At 50 tokens a second, a common streaming pace.
      `${fmt((before - 1) * 20, 0)} ms`,
    ]);
  }
  printTable(
    `Output scan (moderation rules) per reply, CPU ms (${rounds} replies each)`,
    ['reply', 'unmoderated', 'scanned', 'added by the scan', 'of the 0.5 ms target'],
    rows,
  );
  printTable(
    'Output scan: hold-back before the first visible text (its first sentence is checked first)',
    ['reply', 'tokens in before the first is shown', 'added to TTFT at 50 tokens/s'],
    held,
  );
}
