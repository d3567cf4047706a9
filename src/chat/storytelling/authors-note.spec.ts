import { describe, expect, it } from '@jest/globals';
import type { ChatMessage } from '../../llm/llm.types.js';
import { withAuthorsNote } from './authors-note.js';

const system = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

describe('withAuthorsNote', () => {
  const prompt = [
    system('card'),
    user('u1'),
    assistant('a1'),
    user('u2'),
    assistant('a2'),
    system('post-history'),
    user('u3'),
  ];
  const contents = (messages: ChatMessage[]) => messages.map((message) => message.content);

  it('puts the note `depth` chat lines from the end; instructions do not count', () => {
    const note = (depth: number) => contents(withAuthorsNote(prompt, { text: ' NOTE ', depth }));
    expect(note(0)).toEqual(['card', 'u1', 'a1', 'u2', 'a2', 'post-history', 'u3', 'NOTE']);
    expect(note(1)).toEqual(['card', 'u1', 'a1', 'u2', 'a2', 'post-history', 'NOTE', 'u3']);
    expect(note(2)).toEqual(['card', 'u1', 'a1', 'u2', 'NOTE', 'a2', 'post-history', 'u3']);
    expect(note(5)).toEqual(['card', 'NOTE', 'u1', 'a1', 'u2', 'a2', 'post-history', 'u3']);
    expect(note(50)).toEqual(['card', 'NOTE', 'u1', 'a1', 'u2', 'a2', 'post-history', 'u3']);
  });

  it('is a system message; depth 0 follows the newest line, before a later instruction', () => {
    const tail = [system('card'), user('u1'), system('post-history')];
    expect(withAuthorsNote(tail, { text: 'NOTE', depth: 0 })).toEqual([
      system('card'),
      user('u1'),
      system('NOTE'),
      system('post-history'),
    ]);
  });

  it('leaves the prompt as it is without a note', () => {
    expect(withAuthorsNote(prompt, undefined)).toEqual(prompt);
    expect(withAuthorsNote(prompt, { text: '  ', depth: 0 })).toEqual(prompt);
    expect(withAuthorsNote([system('card')], { text: 'NOTE', depth: 3 })).toEqual([
      system('card'),
      system('NOTE'),
    ]);
  });
});
