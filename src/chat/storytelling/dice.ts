import { randomInt } from 'node:crypto';
import type { Language } from '../../common/languages.js';
import { parseJsonBounded } from '../../common/validation/json-depth.js';

/**
 * Bounds on what a model-written [ROLL] tag may ask for: the text is untrusted, and a tag like
 * [ROLL 999999d999999] must not cost CPU or bloat the message row. Out of bounds → ignored.
 */
export const DICE_LIMITS = {
  count: 100,
  sides: 1000,
  modifier: 1000,
  /** A GM turn has one roll, a few when several creatures act; more is a runaway reply. */
  tagsPerReply: 10,
  descriptionChars: 200,
} as const;

export interface RollSpec {
  count: number;
  sides: number;
  modifier: number;
  description: string;
}

/** One resolved roll, as stored on the assistant message (JSONB) and sent to the client. */
export interface DiceResult {
  /** Canonical form, e.g. `2d6+3`. */
  notation: string;
  description: string;
  rolls: number[];
  modifier: number;
  total: number;
}

const isDiceResult = (value: unknown): value is DiceResult => {
  const roll = value as Partial<DiceResult> | null;
  return (
    typeof roll === 'object' &&
    roll !== null &&
    typeof roll.notation === 'string' &&
    typeof roll.total === 'number' &&
    typeof roll.modifier === 'number' &&
    Array.isArray(roll.rolls) &&
    roll.rolls.every((die) => typeof die === 'number')
  );
};

/** The rolls stored on a message (jsonb, so checked rather than trusted). */
export const storedDiceRolls = (value: unknown): DiceResult[] =>
  Array.isArray(value)
    ? value
        .filter(isDiceResult)
        .map((roll) => ({ ...roll, description: String(roll.description ?? '') }))
    : [];

/** `(min, max)` → an integer in [min, max), as crypto.randomInt. */
export type RandomInt = (min: number, max: number) => number;

// [ROLL NdM+X description]: N optional (1), modifier optional, description optional (one line,
// bounded: an unclosed tag followed by a long run of spaces would otherwise backtrack
// quadratically).
const ROLL_TAG = /\[ROLL\s+(\d*)d(\d+)(?:\s*([+-])\s*(\d+))?(?:\s([^\]\n]{0,1000}))?\]/gi;
const ANY_ROLL_TAG = /\[ROLL\b[^\]]*\]/gi;
const STATE_OPENING = /\[STATE\s*/gi;

/** The well-formed, in-bounds roll tags of a reply, in order; everything else is skipped. */
export function parseRollTags(text: string): RollSpec[] {
  const specs: RollSpec[] = [];
  for (const match of text.matchAll(ROLL_TAG)) {
    const [, countText, sidesText, sign, modifierText, description] = match;
    const count = countText === '' ? 1 : Number(countText);
    const sides = Number(sidesText);
    const modifier =
      modifierText === undefined ? 0 : Number(modifierText) * (sign === '-' ? -1 : 1);
    if (count < 1 || count > DICE_LIMITS.count) continue;
    if (sides < 1 || sides > DICE_LIMITS.sides) continue;
    if (Math.abs(modifier) > DICE_LIMITS.modifier) continue;
    specs.push({
      count,
      sides,
      modifier,
      // Well-formed: saved as jsonb, which refuses an unpaired surrogate.
      description: (description ?? '').trim().slice(0, DICE_LIMITS.descriptionChars).toWellFormed(),
    });
    if (specs.length === DICE_LIMITS.tagsPerReply) break;
  }
  return specs;
}

export function rollDice(spec: RollSpec, rng: RandomInt = randomInt): DiceResult {
  const rolls = Array.from({ length: spec.count }, () => rng(1, spec.sides + 1));
  const total = rolls.reduce((sum, roll) => sum + roll, 0) + spec.modifier;
  return {
    notation: `${spec.count}d${spec.sides}${signed(spec.modifier)}`,
    description: spec.description,
    rolls,
    modifier: spec.modifier,
    total,
  };
}

const signed = (value: number): string => (value === 0 ? '' : value > 0 ? `+${value}` : `${value}`);

interface StateTag {
  start: number;
  end: number;
  value: Record<string, unknown> | null;
}

/**
 * Index just past the JSON value opening at `start` (an object or array), tracking strings so
 * braces inside them do not count; -1 when it never closes. JSON.parse validates the rest.
 */
function jsonEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Openings looked at, the last ones: each unclosed one is scanned to the end of the text, so
 * a text full of them would cost its length times their number.
 */
const MAX_STATE_OPENINGS = 50;

function findStateTags(text: string): StateTag[] {
  const tags: StateTag[] = [];
  for (const match of [...text.matchAll(STATE_OPENING)].slice(-MAX_STATE_OPENINGS)) {
    const jsonStart = match.index + match[0].length;
    if (text[jsonStart] !== '{') continue;
    const jsonStop = jsonEnd(text, jsonStart);
    if (jsonStop === -1) continue;
    const closing = /^\s*\]/.exec(text.slice(jsonStop));
    tags.push({
      start: match.index,
      end: jsonStop + (closing?.[0].length ?? 0),
      value: parseObject(text.slice(jsonStart, jsonStop)),
    });
  }
  return tags;
}

/** A [STATE] larger than this is not kept: it goes into every later prompt of the campaign. */
export const MAX_STATE_CHARS = 8_000;

/**
 * Escapes JSON.stringify writes for what jsonb refuses: NUL, and an unpaired surrogate
 * (a paired one is written as is).
 */
const JSONB_REFUSES = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

function parseObject(json: string): Record<string, unknown> | null {
  if (json.length > MAX_STATE_CHARS) return null;
  let value: unknown;
  try {
    // Kept state is parsed and stringified again in every later turn: deep nesting is refused.
    value = parseJsonBounded(json, 'A [STATE] tag');
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return JSONB_REFUSES.test(JSON.stringify(value)) ? null : (value as Record<string, unknown>);
}

/** The encounter state of a reply: its last valid [STATE {json}] object, else null. */
export function parseEncounterState(text: string): Record<string, unknown> | null {
  const valid = findStateTags(text).filter((tag) => tag.value !== null);
  return valid.at(-1)?.value ?? null;
}

/** The reply without its game tags: what summaries and echo checks should read. */
export function stripGameTags(text: string): string {
  let result = text;
  for (const tag of findStateTags(text).reverse()) {
    result = result.slice(0, tag.start) + result.slice(tag.end);
  }
  return result
    .replace(ANY_ROLL_TAG, '')
    .split('\n')
    .map(trimLineEnd)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The line without trailing spaces and tabs; by hand, since /[ \t]+$/ backtracks quadratically. */
function trimLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return line.slice(0, end);
}

const DICE_INJECTION: Readonly<Record<Language, { header: string; roll: string }>> = {
  ru: {
    header:
      'Результаты бросков прошлого хода (брошены сервером, они окончательны). Прежде всего честно опиши их исход — успех или провал:',
    roll: 'бросок',
  },
  en: {
    header:
      'Dice results of the previous turn (rolled by the server; they are final). Before anything else, narrate their outcome honestly, success or failure:',
    roll: 'roll',
  },
  es: {
    header:
      'Resultados de los dados del turno anterior (los ha tirado el servidor y son definitivos). Antes que nada, narra su desenlace con honestidad, sea éxito o fracaso:',
    roll: 'tirada',
  },
  fr: {
    header:
      'Résultats des dés du tour précédent (lancés par le serveur, ils sont définitifs). Avant toute chose, raconte honnêtement leur issue, réussite ou échec :',
    roll: 'jet',
  },
  de: {
    header:
      'Würfelergebnisse des letzten Zuges (vom Server geworfen, sie sind endgültig). Erzähle vor allem anderen ehrlich ihren Ausgang, ob Erfolg oder Fehlschlag:',
    roll: 'Wurf',
  },
  pt: {
    header:
      'Resultados dos dados do turno anterior (rolados pelo servidor; são definitivos). Antes de tudo, narre o desfecho com honestidade, seja sucesso ou falha:',
    roll: 'rolagem',
  },
  it: {
    header:
      'Risultati dei dadi del turno precedente (tirati dal server, sono definitivi). Prima di tutto racconta con onestà il loro esito, successo o fallimento che sia:',
    roll: 'tiro',
  },
};

/**
 * The system message placed before the post-history on the turn after a GM asked for rolls
 * (spec: `_format_dice_injection`); null when there is nothing to report.
 */
export function formatDiceInjection(results: readonly DiceResult[], lang: Language): string | null {
  if (results.length === 0) return null;
  const { header, roll } = DICE_INJECTION[lang];
  const lines = results.map((result) => {
    const modifier =
      result.modifier === 0
        ? ''
        : ` ${result.modifier > 0 ? '+' : '-'} ${Math.abs(result.modifier)}`;
    return `- ${result.description || roll}: ${result.notation} → [${result.rolls.join(', ')}]${modifier} = ${result.total}`;
  });
  return [header, ...lines].join('\n');
}
