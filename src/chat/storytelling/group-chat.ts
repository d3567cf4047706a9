import type { ChatMessage } from '../../llm/llm.types.js';

/** Spec: group_chat/router.py — at most three characters share a scene. */
export const GROUP_MAX_MEMBERS = 3;

/**
 * Another character's line as the speaking character reads it: a user-role message prefixed
 * `[Name]:`, so the model answers it instead of continuing the other character's text.
 * Brackets are dropped from the name to keep the prefix unambiguous.
 */
export function formatOtherCharacterMessage(name: string, content: string): ChatMessage {
  const label = name.replace(/[[\]]/g, '').trim();
  return { role: 'user', content: `[${label}]: ${content}` };
}
