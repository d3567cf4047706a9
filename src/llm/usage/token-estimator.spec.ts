import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import o200kEncoding from 'gpt-tokenizer/encoding/o200k_base';
// The reference: the estimator must count as tiktoken's own port does, token for token.
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import {
  encoderSlices,
  MAX_RUN_CHARS,
  MAX_SLICE_CHARS,
  TokenEstimator,
  WORK_BUDGET,
  WORK_PER_TURN,
} from './token-estimator.js';

/** Runs as the estimator defines them: a run ends before a space that follows a non-space. */
const runsOf = (text: string): string[] => text.split(/(?<=\S)(?= )/u);
const bytes = (text: string): number => Buffer.byteLength(text);

/** `n` distinct CJK ideographs, no spaces: the tokenizer's worst case (the reproduction). */
const cjk = (n: number): string =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');
const emoji = (n: number): string =>
  Array.from({ length: n }, (_, i) => String.fromCodePoint(0x1f300 + ((i * 31) % 700))).join('');

const PROSE = [
  'Luna wipes the counter.  "Rooms? Two left — one above the stables, one with a view.\n\n',
  'Ты — Алиса, хозяйка таверны; гости\tзаходят по одному, а дождь всё не кончается...\r\n',
  'Prices: 12.50 gold/night (see https://example.com/inn?x=1), breakfast incl. ',
  "It's the innkeeper's rule: no <|endoftext|> talk, no dragons   in the cellar!\n",
].join('');

describe('encoderSlices', () => {
  const hostile: [string, string][] = [
    ['10,000 CJK characters', cjk(10_000)],
    ['emoji without spaces', emoji(5_000)],
    ['a 3 MB run without spaces', 'x'.repeat(3_000_000)],
    ['3 MB of newlines', '\n'.repeat(3_000_000)],
    ['spaces after spaces', ' '.repeat(100_000)],
    ['31-character CJK words', `${cjk(31)} `.repeat(2_000)],
    ['prose', PROSE.repeat(200)],
  ];

  it.each(hostile)('covers %s in bounded slices of bounded runs', (_, text) => {
    let position = 0;
    let count = 0;
    let longestRun = 0;
    let largestSlice = 0;
    let largestWork = 0;
    const faults = new Set<string>();
    for (const slice of encoderSlices(text)) {
      if (slice.start !== position || slice.end <= slice.start) faults.add('not contiguous');
      const piece = text.slice(slice.start, slice.end);
      // Never between the halves of a surrogate pair.
      if (!piece.isWellFormed()) faults.add('surrogate pair cut');
      if (slice.bytes !== bytes(piece)) faults.add('bytes miscounted');
      largestSlice = Math.max(largestSlice, piece.length);
      largestWork = Math.max(largestWork, slice.work);
      for (const run of runsOf(piece)) longestRun = Math.max(longestRun, run.length);
      position = slice.end;
      count++;
    }
    expect([...faults]).toEqual([]);
    expect(position).toBe(text.length);
    expect(longestRun).toBeLessThanOrEqual(MAX_RUN_CHARS);
    expect(largestSlice).toBeLessThanOrEqual(MAX_SLICE_CHARS);
    expect(largestWork).toBeLessThanOrEqual(WORK_PER_TURN);
    // Linear: a slice holds a whole run at least, so there are at most as many as runs.
    expect(count).toBeLessThanOrEqual(Math.ceil(text.length / MAX_RUN_CHARS) + runsOf(text).length);
  });
});

describe('TokenEstimator', () => {
  const estimator = new TokenEstimator();
  const encoder = new Tiktoken(o200k);
  const exact = (text: string) => encoder.encode(text, [], []).length;

  beforeAll(() => estimator.count('warm'));

  it('counts ordinary text exactly, special-token names as text', async () => {
    for (const text of [
      PROSE,
      PROSE.repeat(10),
      'Hi',
      ' leading and trailing  ',
      '\n\n',
      'Привет! Как дела у старого смотрителя маяка?',
      '日本語のテキストです。中文文本。',
      'Family 👩‍👩‍👧‍👦 and 🎉🎉, <|endoftext|> <|im_start|>user',
    ]) {
      await expect(estimator.count(text)).resolves.toBe(exact(text));
    }
    await expect(estimator.count('')).resolves.toBe(0);
    const messages = [
      { role: 'system' as const, content: 'You are Luna, a witty innkeeper.' },
      { role: 'user' as const, content: PROSE },
    ];
    // Three tokens per reply and per message, as OpenAI counts chat messages.
    await expect(estimator.countMessages(messages)).resolves.toBe(
      3 + messages.reduce((total, message) => total + 3 + exact(message.content), 0),
    );
  });

  /** What the encoder is handed while `run` counts. */
  async function encoderInputs(run: () => Promise<number>) {
    const inputs: string[] = [];
    const countTokens = o200kEncoding.countTokens;
    const spy = jest.spyOn(o200kEncoding, 'countTokens').mockImplementation((text, options) => {
      inputs.push(text as string);
      return countTokens(text, options);
    });
    const tokens = await run().finally(() => spy.mockRestore());
    const runs = inputs.flatMap(runsOf);
    return {
      tokens,
      calls: inputs.length,
      chars: inputs.reduce((total, text) => total + text.length, 0),
      longestInput: Math.max(0, ...inputs.map((text) => text.length)),
      longestRun: Math.max(0, ...runs.map((text) => text.length)),
      work: runs.reduce((total, text) => total + bytes(text) ** 2, 0),
    };
  }

  it.each([
    ['10,000 CJK characters', cjk(10_000), 10_000, 30_000],
    ['a 3 MB chunk without spaces', 'x'.repeat(3_000_000), 3_000_000 / 16, 3_000_000 / 4],
    ['3 MB of emoji', emoji(750_000), 750_000, 3_000_000],
  ])(
    'hands the encoder a bounded share of %s and estimates the rest',
    async (_, text, low, high) => {
      const seen = await encoderInputs(() => estimator.count(text));
      expect(seen.longestInput).toBeLessThanOrEqual(MAX_SLICE_CHARS);
      expect(seen.longestRun).toBeLessThanOrEqual(MAX_RUN_CHARS);
      expect(seen.work).toBeLessThanOrEqual(WORK_BUDGET);
      expect(seen.tokens).toBeGreaterThanOrEqual(low);
      expect(seen.tokens).toBeLessThanOrEqual(high);
      // Past the budget, ten times the input costs the encoder nothing more.
      const tenth = await encoderInputs(() => estimator.count(text.slice(0, text.length / 10)));
      expect(seen.calls).toBe(tenth.calls);
      expect(seen.chars).toBe(tenth.chars);
    },
  );

  it('shares one budget across the messages of a prompt', async () => {
    const messages = Array.from({ length: 50 }, () => ({
      role: 'user' as const,
      content: cjk(2_000),
    }));
    const seen = await encoderInputs(() => estimator.countMessages(messages));
    expect(seen.work).toBeLessThanOrEqual(WORK_BUDGET);
    expect(seen.tokens).toBeGreaterThan(50 * 2_000);
  });

  it('lets the event loop run while it counts', async () => {
    let turns = 0;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    let done = false;
    setImmediate(tick);
    await estimator.count(cjk(10_000));
    done = true;
    // Each turn does at most WORK_PER_TURN: the budget takes several.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(WORK_BUDGET / WORK_PER_TURN / 2));
  });
});
