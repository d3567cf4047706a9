import { MAX_HELD_CHARS } from './thinking-filter.js';

/**
 * The most characters of reply text any stage past the provider sees at once: an upstream
 * may send a whole reply (or 3 MB of it) as one delta, and everything downstream (the
 * think-tag filter, the live reply, SSE events to clients) then works on bounded strings.
 */
export const MAX_DELTA_CHARS = 16_384;
/**
 * Upstream text is cut into pieces this long, so that with what the think-tag filter held back
 * from the piece before, no delta it lets out is longer than MAX_DELTA_CHARS.
 */
export const UPSTREAM_PIECE_CHARS = MAX_DELTA_CHARS - MAX_HELD_CHARS;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * `text` in consecutive pieces of at most `max` characters (`max` ≥ 2), never between the
 * two halves of a surrogate pair. Lazy: a caller that stops early slices nothing more.
 */
export function* textPieces(text: string, max: number = UPSTREAM_PIECE_CHARS): Generator<string> {
  if (text.length <= max) {
    if (text) yield text;
    return;
  }
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + max, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    yield text.slice(start, end);
    start = end;
  }
}

/** The first `max` characters of `text` at most, one fewer rather than half a surrogate pair. */
export function headOf(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max);
}
