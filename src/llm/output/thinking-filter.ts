const OPEN = '<think>';
const CLOSE = '</think>';
/** The most a push holds back for the next one: a tag's start, never a whole tag. */
export const MAX_HELD_CHARS = Math.max(OPEN.length, CLOSE.length) - 1;

/** Length of the longest suffix of `text` that is a proper prefix of `tag` (a tag cut in two). */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

/**
 * Removes `<think>…</think>` blocks from a streamed reply, whatever the chunk boundaries: a
 * tag cut across chunks is held back until the next chunk settles it. Whitespace right after
 * a block is dropped too, so a reply that opens with reasoning does not start with blank
 * lines. An unterminated block (the model never closed it) swallows the rest of the reply.
 * Same result as `stripThinking` on the whole text.
 */
export class ThinkingFilter {
  private inThink = false;
  private skipWhitespace = false;
  private pending = '';

  /** Returns the part of `chunk` that is safe to show now (may be empty). */
  push(chunk: string): string {
    let text = this.pending + chunk;
    this.pending = '';
    let out = '';
    for (;;) {
      if (this.inThink) {
        const end = text.indexOf(CLOSE);
        if (end === -1) {
          // Only a possible start of `</think>` needs keeping; the rest is reasoning.
          this.pending = text.slice(text.length - partialTagLength(text, CLOSE));
          return out;
        }
        text = text.slice(end + CLOSE.length);
        this.inThink = false;
        this.skipWhitespace = true;
      }
      if (this.skipWhitespace) {
        text = text.trimStart();
        if (text === '') return out;
        this.skipWhitespace = false;
      }
      const start = text.indexOf(OPEN);
      if (start === -1) {
        const held = partialTagLength(text, OPEN);
        this.pending = text.slice(text.length - held);
        return out + text.slice(0, text.length - held);
      }
      out += text.slice(0, start);
      text = text.slice(start + OPEN.length);
      this.inThink = true;
    }
  }

  /** Call once at the end: releases held-back text that turned out not to be a tag. */
  flush(): string {
    const rest = this.inThink ? '' : this.pending;
    this.pending = '';
    return rest;
  }
}

/** `<think>…</think>` blocks (and an unterminated trailing one) removed from a whole text. */
export function stripThinking(text: string): string {
  return text.replace(/<think>[\s\S]*?(?:<\/think>\s*|$)/g, '');
}
