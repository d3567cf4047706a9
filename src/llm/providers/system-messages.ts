import type { ChatMessage } from '../llm.types.js';

/**
 * The system messages after the conversation began (a chat's post-history instruction and dice
 * results, meant to be read last) appended to the last user turn, for models that read system
 * messages only at the top: APIs or chat templates that hoist them there (Anthropic's
 * compatibility layer, DeepSeek's template), keep only the last one (Gemini's
 * OpenAI-compatible endpoint) or have no system role (Gemma). Leading system messages stay;
 * without a user turn nothing moves.
 */
export function foldLateSystemMessages(messages: ChatMessage[]): ChatMessage[] {
  const lead = messages.findIndex((message) => message.role !== 'system');
  if (lead === -1) return messages;
  const late = messages.slice(lead).filter((message) => message.role === 'system');
  if (late.length === 0) return messages;
  const rest = messages.filter((message, index) => index < lead || message.role !== 'system');
  const lastUser = rest.findLastIndex((message) => message.role === 'user');
  if (lastUser === -1) return messages;
  const note = late.map((message) => message.content).join('\n\n');
  return rest.map((message, index) =>
    index === lastUser ? { role: 'user', content: `${message.content}\n\n${note}` } : message,
  );
}

/**
 * The system messages a prompt opens with (the system prompt, then the memories, the summary,
 * the recalled passages) as one, in order, for the same models: an endpoint that keeps only
 * one system message would drop the others. One shared prefix either way, so prompt caches
 * still reach as far.
 */
export function joinLeadingSystemMessages(messages: ChatMessage[]): ChatMessage[] {
  const lead = messages.findIndex((message) => message.role !== 'system');
  const count = lead === -1 ? messages.length : lead;
  if (count < 2) return messages;
  const content = messages
    .slice(0, count)
    .map((message) => message.content)
    .join('\n\n');
  return [{ role: 'system', content }, ...messages.slice(count)];
}

/**
 * For models without a system role (Gemma): the system prompt leads the first user turn, or
 * is a user turn of its own before a conversation that opens with the character's greeting
 * (Gemma's template wants turns to alternate from a user turn on).
 */
export function systemIntoFirstUser(messages: ChatMessage[]): ChatMessage[] {
  const system = messages
    .filter((message) => message.role === 'system')
    .map((message) => message.content)
    .join('\n\n');
  const rest = messages.filter((message) => message.role !== 'system');
  if (!system) return rest;
  const [first, ...after] = rest;
  if (first?.role !== 'user') return [{ role: 'user', content: system }, ...rest];
  return [{ role: 'user', content: `${system}\n\n${first.content}` }, ...after];
}
