import type { ChatMessage } from '../../llm/llm.types.js';
import type { AuthorNote } from '../entities/chat.entity.js';

/**
 * The prompt with a chat's author's note in it, placed as SillyTavern places it: a system
 * message with `depth` chat lines (the user's and the characters' messages; instructions do
 * not count) after it. 0 puts it right after the newest line, 1 right before it; a depth past
 * the history puts it before the oldest line.
 */
export function withAuthorsNote(
  messages: readonly ChatMessage[],
  note: AuthorNote | undefined,
): ChatMessage[] {
  const text = note?.text.trim();
  if (!note || !text) return [...messages];
  const lines = messages.flatMap((message, index) => (message.role === 'system' ? [] : [index]));
  const at =
    lines.length === 0
      ? messages.length
      : note.depth === 0
        ? lines[lines.length - 1] + 1
        : lines[Math.max(0, lines.length - note.depth)];
  return [...messages.slice(0, at), { role: 'system', content: text }, ...messages.slice(at)];
}
