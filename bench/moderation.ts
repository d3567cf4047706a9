// `npm run bench:moderation`: the built-in moderation rules in this process, no app or
// database: the one-time compile of the lexicon, the CPU per KB of text (ordinary text in
// several languages and text dense with flagged terms), and the output scanner's CPU per
// streamed reply next to the same reply streamed unscanned. Targets (issue #19): ≤ 0.5 ms per
// KB, ≤ 0.5 ms per reply. A micro-benchmark in place of a timed assertion in the tests.
import { fmt, printTable, smokeOr } from './lib.js';

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const compileStart = process.cpuUsage();
const wallStart = performance.now();
const { RulesClassifier } = await import('../src/moderation/rules/rules.classifier.js');
const { OutputScanner } = await import('../src/moderation/output-scanner.js');
const { DEFAULT_POLICY } = await import('../src/moderation/moderation-policy.js');
const rules = new RulesClassifier();
rules.classifySync('warm up: the first scan folds its characters', { nsfw: false });
const compileCpu = cpuMs(compileStart);
const compileWall = performance.now() - wallStart;

const ORDINARY: Record<string, string> = {
  en: 'The old lighthouse keeper watches the storm roll in over the grey sea. He has kept the lamp for forty years, mends nets and tells the travellers who shelter in his kitchen about the wrecks he saw. ',
  ru: 'Старый смотритель маяка смотрит, как над серым морем собирается шторм. Он сорок лет следит за огнём, чинит сети и рассказывает путникам о кораблекрушениях. ',
  es: 'El viejo farero mira la tormenta que llega sobre el mar gris. Cuida la lámpara desde hace cuarenta años y cuenta historias de naufragios a los viajeros. ',
  de: 'Der alte Leuchtturmwärter sieht den Sturm über der grauen See aufziehen. Seit vierzig Jahren hütet er das Licht und erzählt den Reisenden von Schiffbrüchen. ',
};
const DENSE =
  'She is 19 years old, an adult who loves sex, porn and erotic games; the gore, the torture and the severed limbs of the story; s e x, s3x, sеx, ＳＥＸ. ';

/** Text of `bytes` characters made of `base`. */
const textOf = (base: string, bytes: number) =>
  base.repeat(Math.ceil(bytes / base.length)).slice(0, bytes);

const rounds = smokeOr(4000, 20);
const perKb: Array<Array<string | number>> = [];
for (const [name, base] of [...Object.entries(ORDINARY), ['dense (flagged terms)', DENSE]]) {
  const text = textOf(base, 1024);
  for (let i = 0; i < Math.min(rounds, 500); i++) rules.classifySync(text, { nsfw: true });
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) rules.classifySync(text, { nsfw: true });
  const ms = cpuMs(start) / rounds;
  perKb.push([name, fmt(ms * 1000, 1), fmt(ms / 0.5, 3)]);
}

// A 2 KB reply (about 400 tokens of a few characters), streamed token by token.
const REPLY = textOf(
  'The keeper lights the lamp. Waves break on the rocks below! Does the ship see it? It turns away… ',
  2048,
);
const TOKENS = REPLY.match(/.{1,5}/gs)!;
const replies = smokeOr(2000, 10);
let sink = '';
const plainStart = process.cpuUsage();
for (let i = 0; i < replies; i++) {
  let reply = '';
  for (const token of TOKENS) reply += token;
  sink = reply;
}
const plainMs = cpuMs(plainStart) / replies;
const scannedStart = process.cpuUsage();
for (let i = 0; i < replies; i++) {
  const scanner = new OutputScanner(rules, DEFAULT_POLICY, false);
  let reply = '';
  for (const token of TOKENS) {
    if (scanner.push(token) === 'hard') break;
    reply += token;
  }
  scanner.flush();
  sink = reply;
}
const scannedMs = cpuMs(scannedStart) / replies;
if (sink.length !== REPLY.length) throw new Error('a clean reply was stopped');

printTable(
  'Moderation rules: one-time compile',
  ['measure', 'value'],
  [
    ['lexicon compile + first scan, CPU', `${fmt(compileCpu, 1)} ms`],
    ['lexicon compile + first scan, wall', `${fmt(compileWall, 1)} ms`],
  ],
);
printTable(
  'Moderation rules: CPU per KB of text',
  ['text', 'µs per KB', 'of the 0.5 ms target'],
  perKb,
);
printTable(
  `Output scan: CPU per reply (2 KB streamed in ${TOKENS.length} tokens, ${replies} replies)`,
  ['path', 'ms per reply', 'of the 0.5 ms target'],
  [
    ['unscanned (tokens joined)', fmt(plainMs, 4), ''],
    ['scanned on sentence boundaries', fmt(scannedMs, 4), fmt(scannedMs / 0.5, 3)],
    ['added by the scan', fmt(scannedMs - plainMs, 4), fmt((scannedMs - plainMs) / 0.5, 3)],
  ],
);
