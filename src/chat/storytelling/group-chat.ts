import type { ChatMessage } from '../../llm/llm.types.js';
import { toSingleLine } from '../../common/validation/text-field.js';

/** Spec: group_chat/router.py — at most three characters share a scene. */
export const GROUP_MAX_MEMBERS = 3;

/**
 * A character's name as other characters' prompts show it: on one line and without brackets,
 * so a name cannot forge a turn or a `[Name]:` prefix of its own.
 */
export const speakerLabel = (name: string): string => toSingleLine(name.replace(/[[\]]/g, ' '));

/**
 * Another character's line as the speaking character reads it: a user-role message prefixed
 * `[Name]:`, so the model answers it instead of continuing the other character's text.
 */
export function formatOtherCharacterMessage(name: string, content: string): ChatMessage {
  return { role: 'user', content: `[${speakerLabel(name)}]: ${content}` };
}

/** Spec: group_chat/router.py — every character's reply is short, so the scene keeps moving. */
export const GROUP_REPLY_MAX_TOKENS = 600;
