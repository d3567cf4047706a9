import { describe, expect, it } from '@jest/globals';
import { LANGUAGES } from '../../common/languages.js';
import {
  DICE_LIMITS,
  MAX_STATE_CHARS,
  formatDiceInjection,
  parseEncounterState,
  parseRollTags,
  rollDice,
  stripGameTags,
  type RandomInt,
} from './dice.js';

/** A seeded generator (mulberry32), so the property test is reproducible. */
function seededRandomInt(seed: number): RandomInt {
  let state = seed;
  return (min, max) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(unit * (max - min));
  };
}

describe('parseRollTags', () => {
  it('reads count, sides, modifier and description', () => {
    const text =
      'The lock resists.\n[ROLL 1d20+3 Dexterity (Sleight of Hand) check]\n[roll 2D6 - 1 damage] [ROLL d8]';
    expect(parseRollTags(text)).toEqual([
      { count: 1, sides: 20, modifier: 3, description: 'Dexterity (Sleight of Hand) check' },
      { count: 2, sides: 6, modifier: -1, description: 'damage' },
      { count: 1, sides: 8, modifier: 0, description: '' },
    ]);
  });

  it('ignores malformed tags without throwing', () => {
    for (const text of [
      '[ROLL]',
      '[ROLL 1d20',
      '[ROLL twod6 attack]',
      '[ROLL 1d]',
      '[ROLL 2d6+1d4 damage]',
      '[ROLL 1d20+ stealth]',
      '[ROLLING 1d20]',
      'ROLL 1d20',
      '',
    ]) {
      expect(parseRollTags(text)).toEqual([]);
    }
  });

  it('ignores tags out of bounds', () => {
    expect(
      parseRollTags('[ROLL 0d6] [ROLL 101d6] [ROLL 1d0] [ROLL 1d1001] [ROLL 1d20+1001]'),
    ).toEqual([]);
    expect(parseRollTags('[ROLL 99999999999999999999999d6] [ROLL 1d20-1001 x]')).toEqual([]);
    expect(parseRollTags('[ROLL 100d1000-1000 edge]')).toEqual([
      { count: 100, sides: 1000, modifier: -1000, description: 'edge' },
    ]);
  });

  it('reads at most a bounded number of tags per reply', () => {
    expect(parseRollTags('[ROLL 1d6] '.repeat(50))).toHaveLength(DICE_LIMITS.tagsPerReply);
  });

  it('truncates a runaway description', () => {
    const [spec] = parseRollTags(`[ROLL 1d6 ${'x'.repeat(500)}]`);
    expect(spec.description).toHaveLength(DICE_LIMITS.descriptionChars);
  });

  it('keeps descriptions well-formed for jsonb, and reads past an unclosed tag', () => {
    const [spec] = parseRollTags('[ROLL 1d6 sneak \ud800attack]');
    expect(spec.description).toBe('sneak \ufffdattack');
    // Unbounded, the description pattern backtracked quadratically over the spaces.
    expect(parseRollTags(`[ROLL 1d6${' '.repeat(200_000)}x [ROLL 2d4]`)).toHaveLength(1);
  });
});

describe('rollDice', () => {
  it('sums the rolls and the modifier with the given generator', () => {
    const rolls = [4, 6, 1];
    const rng: RandomInt = (min, max) => {
      expect([min, max]).toEqual([1, 7]);
      return rolls.shift()!;
    };
    expect(rollDice({ count: 3, sides: 6, modifier: -2, description: 'fall' }, rng)).toEqual({
      notation: '3d6-2',
      description: 'fall',
      rolls: [4, 6, 1],
      modifier: -2,
      total: 9,
    });
  });

  it('keeps every roll and total within bounds (property test)', () => {
    const pick = seededRandomInt(7);
    const rng = seededRandomInt(20240607);
    for (let i = 0; i < 2000; i++) {
      const spec = {
        count: pick(1, 21),
        sides: pick(1, 101),
        modifier: pick(-20, 21),
        description: '',
      };
      const result = rollDice(spec, rng);
      expect(result.rolls).toHaveLength(spec.count);
      for (const roll of result.rolls) {
        expect(Number.isInteger(roll)).toBe(true);
        expect(roll).toBeGreaterThanOrEqual(1);
        expect(roll).toBeLessThanOrEqual(spec.sides);
      }
      expect(result.total).toBeGreaterThanOrEqual(spec.count + spec.modifier);
      expect(result.total).toBeLessThanOrEqual(spec.count * spec.sides + spec.modifier);
    }
  });

  it('uses crypto randomness by default and reaches both faces of a coin', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++)
      seen.add(rollDice({ count: 1, sides: 2, modifier: 0, description: '' }).total);
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('rolls what parseRollTags read, end to end', () => {
    const [spec] = parseRollTags('[ROLL 4d6+2 fireball]');
    const result = rollDice(spec);
    expect(result.notation).toBe('4d6+2');
    expect(result.total).toBe(result.rolls.reduce((a, b) => a + b, 0) + 2);
  });
});

describe('parseEncounterState', () => {
  it('reads nested JSON after [STATE', () => {
    const text =
      'The goblin snarls.\n[STATE {"round": 2, "enemies": [{"name": "Goblin [boss]", "hp": 4, "tags": {"a": {"b": 1}}}], "note": "braces } in strings"}]\n[ROLL 1d20+5 attack]';
    expect(parseEncounterState(text)).toEqual({
      round: 2,
      enemies: [{ name: 'Goblin [boss]', hp: 4, tags: { a: { b: 1 } } }],
      note: 'braces } in strings',
    });
  });

  it('keeps a state nested 64 levels, not one nested 65', () => {
    const state = (depth: number) => '{"a":'.repeat(depth - 1) + '{"a":1}' + '}'.repeat(depth - 1);
    expect(parseEncounterState(`[STATE ${state(64)}]`)).not.toBeNull();
    expect(parseEncounterState(`[STATE {"round": 1}] [STATE ${state(65)}]`)).toEqual({ round: 1 });
  });

  it('takes the last valid state when there are several', () => {
    expect(parseEncounterState('[STATE {"round": 1}] then [STATE {"round": 2}]')).toEqual({
      round: 2,
    });
    expect(parseEncounterState('[STATE {"round": 1}] then [STATE {"round": }]')).toEqual({
      round: 1,
    });
  });

  it('returns null for missing or malformed states', () => {
    for (const text of [
      'no state here',
      '[STATE]',
      '[STATE {"round": 1',
      '[STATE {round: 1}]',
      '[STATE [1, 2]]',
      '[STATE "text"]',
      '[STATE {"a": "unterminated}]',
      // jsonb refuses these: the whole reply would fail to save.
      '[STATE {"name": "\\u0000"}]',
      '[STATE {"name": "\\ud800"}]',
      `[STATE {"log": "${'x'.repeat(MAX_STATE_CHARS)}"}]`,
    ]) {
      expect(parseEncounterState(text)).toBeNull();
    }
  });
});

describe('stripGameTags', () => {
  it('removes roll and state tags and the blank lines they leave', () => {
    const text =
      'You hear steps.\n\n[STATE {"round": 1, "x": "]"}]\n\n\n[ROLL 1d20+2 Perception]\n';
    expect(stripGameTags(text)).toBe('You hear steps.');
    expect(stripGameTags('Keep [ROLL broken] the rest')).toBe('Keep  the rest');
    expect(stripGameTags(`a${' '.repeat(200_000)}b \t\nc`)).toBe(`a${' '.repeat(200_000)}b\nc`);
    // Thousands of unclosed openings: only the last 50 are followed to the end of the text.
    const unclosed = '[STATE {'.repeat(20_000);
    expect(parseEncounterState(`${unclosed} [STATE {"round": 2}]`)).toEqual({ round: 2 });
  });
});

describe('formatDiceInjection', () => {
  const results = [
    { notation: '1d20+3', description: 'Perception check', rolls: [17], modifier: 3, total: 20 },
    { notation: '2d6-1', description: '', rolls: [2, 5], modifier: -1, total: 6 },
    { notation: '1d4', description: 'luck', rolls: [3], modifier: 0, total: 3 },
  ];

  it('lists every roll with its dice, modifier and total', () => {
    expect(formatDiceInjection(results, 'en')).toBe(
      [
        'Dice results of the previous turn (rolled by the server; they are final). Before anything else, narrate their outcome honestly, success or failure:',
        '- Perception check: 1d20+3 → [17] + 3 = 20',
        '- roll: 2d6-1 → [2, 5] - 1 = 6',
        '- luck: 1d4 → [3] = 3',
      ].join('\n'),
    );
  });

  it('speaks every language and says nothing without rolls', () => {
    const headers = LANGUAGES.map((lang) => formatDiceInjection(results, lang)!.split('\n')[0]);
    expect(new Set(headers).size).toBe(LANGUAGES.length);
    expect(formatDiceInjection(results, 'de')).toContain('- Wurf: 2d6-1');
    expect(formatDiceInjection([], 'en')).toBeNull();
  });
});
