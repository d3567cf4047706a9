/**
 * How deeply JSON may nest: arrays and objects inside each other. Nothing the API takes needs
 * more than a handful of levels; the bound exists because class-transformer, JSON.stringify
 * and JSON.parse's reviver recurse, so a body nested a few thousand levels deep overflowed the
 * stack (a 500), and a deep lorebook exported as megabytes of indentation.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON nested deeper than allowed. Carries the `status` and `type` body-parser errors carry,
 * so the error filter answers 400 with this message wherever it is thrown (the JSON body
 * parser's verify hook, a card file).
 */
export class JsonTooDeepError extends Error {
  override readonly name = 'JsonTooDeepError';
  readonly status = 400;
  readonly type = 'entity.too.deep';

  constructor(what: string, maxDepth: number) {
    super(`${what} nests arrays and objects deeper than ${maxDepth} levels (the limit)`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The deepest nesting in JSON text, counted in one pass without parsing (brackets inside
 * strings do not count); stops as soon as it passes `stopAbove`. Works on UTF-8 bytes too:
 * every byte of a multi-byte character is >= 0x80, so none looks like a bracket or a quote.
 * Malformed text gets some number; JSON.parse refuses it afterwards anyway.
 */
export function jsonTextDepth(text: string | Uint8Array, stopAbove = Infinity): number {
  const isString = typeof text === 'string';
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = isString ? text.charCodeAt(i) : text[i];
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth--;
    }
  }
  return deepest;
}

/** Throws JsonTooDeepError when JSON text nests deeper than `maxDepth`. */
export function assertJsonTextDepth(
  text: string | Uint8Array,
  what = 'JSON',
  maxDepth = MAX_JSON_DEPTH,
): void {
  if (jsonTextDepth(text, maxDepth) > maxDepth) throw new JsonTooDeepError(what, maxDepth);
}

/**
 * JSON.parse for text from outside (a card file, a model's [STATE] tag): the depth is checked on the text first,
 * so nothing deeper than `maxDepth` is ever built. JSON.parse's own errors pass through.
 */
export function parseJsonBounded(text: string, what = 'JSON', maxDepth = MAX_JSON_DEPTH): unknown {
  assertJsonTextDepth(text, what, maxDepth);
  return JSON.parse(text);
}
